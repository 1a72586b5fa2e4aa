"""The FluxLoop SDK bridge tests (fluxloop_otel.integrations): ``os.environ`` is restored after each test."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment(restore_environment: None) -> Iterator[None]:
    yield
