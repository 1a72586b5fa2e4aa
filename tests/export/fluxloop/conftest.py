"""Tests of fluxloop_otel.export.fluxloop (the JSONL files), several read back by the real FluxLoop CLI:
the shared projects and CLI runs are session fixtures in support/fluxloop_cli_fixtures.py;
``os.environ`` is restored after each test."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment(restore_environment: None) -> Iterator[None]:
    yield
