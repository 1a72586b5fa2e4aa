"""Fixtures: ``cli`` runs the command as an unprivileged user in ``world``; the shared FluxLoop CLI
runs (``cli_experiment``, ``runner_experiment``, ``stub_llm``) are in support/fluxloop_cli_fixtures.py."""

from __future__ import annotations

from typing import Iterator

import pytest

from support.cli_runner import cli, world  # noqa: F401


@pytest.fixture(autouse=True)
def _restore_environment(restore_environment: None) -> Iterator[None]:
    """The in-process runner sets FLUXLOOP_OFFLINE_DIR and runner.environment_vars: undo after each test."""
    yield
