"""Shared fixtures: a real OTel SDK provider with an in-memory exporter, plus the JSONL files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel
from fluxloop_otel.config.options import reset_warnings

#: Fixtures several folders use (support/fixtures.py) and the shared FluxLoop CLI sessions.
pytest_plugins = ("support.fixtures", "support.fluxloop_cli_fixtures")

_ENV_PREFIXES = ("FLUXLOOP_", "OTEL_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's FLUXLOOP_*/OTEL_* variables."""
    for key in list(os.environ):
        if key.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    reset_warnings()  # each test sees the once-per-process warnings afresh


@dataclass
class Tracing:
    """What a test needs to look at: exported spans and the FluxLoop files."""

    exporter: InMemorySpanExporter
    provider: TracerProvider
    directory: Path

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self, name: str) -> ReadableSpan:
        matches = [s for s in self.spans() if s.name == name]
        assert len(matches) == 1, f"expected one span named {name!r}, got {[s.name for s in self.spans()]}"
        return matches[0]

    def flush(self) -> None:
        assert fluxloop_otel.force_flush(10)

    def read(self, file_name: str) -> list[dict[str, Any]]:
        self.flush()
        path = self.directory / file_name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def observations(self) -> list[dict[str, Any]]:
        return self.read("observations.jsonl")

    def traces(self) -> list[dict[str, Any]]:
        return self.read("traces.jsonl")

    def observation(self, name: str) -> dict[str, Any]:
        matches = [r for r in self.observations() if r["name"] == name]
        assert len(matches) == 1, f"expected one observation named {name!r}, got {[r['name'] for r in self.observations()]}"
        return matches[0]


@pytest.fixture
def tracing(tmp_path: Path) -> Iterator[Tracing]:
    """fluxloop-otel configured on a fresh SDK provider with an in-memory exporter."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    directory = tmp_path / "traces"
    fluxloop_otel.configure(tracer_provider=provider, offline_store_dir=str(directory), flush_interval=0.05)
    try:
        yield Tracing(exporter, provider, directory)
    finally:
        fluxloop_otel.shutdown()
        provider.shutdown()
