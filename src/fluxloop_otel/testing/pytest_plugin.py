"""pytest plugin (``pytest11`` entry point ``fluxloop_otel``): the ``fluxloop_traces`` fixture.

See :mod:`fluxloop_otel.testing`. The fixture records in memory only: a test that uses it never
writes ``./traces`` (or any JSONL file) and exports nothing.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from fluxloop_otel.testing import FluxLoopTraces, capture_traces


@pytest.fixture
def fluxloop_traces() -> Iterator[FluxLoopTraces]:
    """Finished spans (``.spans``) and FluxLoop records (``.observations``, ``.traces``) of the test."""
    with capture_traces() as traces:
        yield traces
