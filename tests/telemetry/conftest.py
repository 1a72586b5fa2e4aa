"""Fixtures for the telemetry tests: a loopback OTLP receiver (traces and logs)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "export"))

from otlp_servers import OtlpHttpSink  # noqa: E402


@pytest.fixture
def http_sink() -> Iterator[OtlpHttpSink]:
    sink = OtlpHttpSink()
    try:
        yield sink
    finally:
        sink.close()
