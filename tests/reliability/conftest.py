"""Fixtures of the reliability tests (the root ``tracing`` fixture is in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def big_queue(tracing: Any) -> Any:
    """``tracing`` with a JSONL queue large enough that load tests measure correctness, not drops."""
    import fluxloop_otel as fl

    fl.configure(
        tracer_provider=tracing.provider,
        offline_store_dir=str(tracing.directory),
        max_queue_size=500_000,
        flush_interval=0.05,
    )
    return tracing
