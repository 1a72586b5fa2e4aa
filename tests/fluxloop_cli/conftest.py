"""The FluxLoop CLI tests: their projects and CLI runs are session fixtures in support/fluxloop_cli_fixtures.py."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment(restore_environment: None) -> Iterator[None]:
    """The in-process runner sets FLUXLOOP_OFFLINE_DIR and runner.environment_vars: undo after each test."""
    yield
