"""The real FluxLoop CLI reading what fluxloop_otel.export.fluxloop wrote: the shared projects and
CLI runs are session fixtures in support/fluxloop_cli_fixtures.py; ``os.environ`` is restored after
each test."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment(restore_environment: None) -> Iterator[None]:
    yield
