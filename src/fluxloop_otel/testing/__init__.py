"""Testing an agent's traces: finished spans and the FluxLoop records they become, in memory.

With pytest, the ``fluxloop_traces`` fixture (this package's ``pytest11`` plugin) does it::

    def test_agent_calls_the_weather_tool(fluxloop_traces):
        my_agent("Weather in Paris?")
        assert [o["name"] for o in fluxloop_traces.observations if o["type"] == "tool"] == ["get_weather"]
        assert fluxloop_traces.spans[-1].name == "invoke_agent my_agent"

Elsewhere, :func:`capture_traces` is the same as a context manager. While it is active,
fluxloop-otel (decorators, LangChain/LangGraph, the SDK bridge) records onto a private SDK
TracerProvider with an in-memory exporter; no JSONL file is written (``./traces`` stays
untouched) and nothing is exported. The records are built from the spans by the same code
that writes the JSONL files, so they are exactly what would be written. Afterwards the
configuration in force before (if any) is restored.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fluxloop_otel.export.fluxloop.processor import span_view
from fluxloop_otel.export.fluxloop.records import observation_record, trace_record


class FluxLoopTraces:
    """What a test looks at: ``spans`` (finished OTel spans, in end order), ``observations`` and
    ``traces`` (the FluxLoop records as they would be written to ``observations.jsonl`` /
    ``traces.jsonl``), and a few look-ups."""

    def __init__(self, exporter: InMemorySpanExporter, provider: TracerProvider) -> None:
        self.exporter = exporter
        self.provider = provider

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    @property
    def observations(self) -> list[dict[str, Any]]:
        views = (span_view(span) for span in self.spans)
        return [record for view in views if (record := observation_record(view)) is not None]

    @property
    def traces(self) -> list[dict[str, Any]]:
        views = (span_view(span) for span in self.spans)
        return [record for view in views if (record := trace_record(view)) is not None]

    def span(self, name: str) -> ReadableSpan:
        """The one finished span named ``name`` (AssertionError when there are none or several)."""
        matches = [span for span in self.spans if span.name == name]
        assert len(matches) == 1, f"expected one span named {name!r}, got {[s.name for s in self.spans]}"
        return matches[0]

    def observation(self, name: str) -> dict[str, Any]:
        """The one observation record named ``name``."""
        matches = [record for record in self.observations if record["name"] == name]
        assert len(matches) == 1, f"expected one observation named {name!r}, got {[r['name'] for r in self.observations]}"
        return matches[0]

    def clear(self) -> None:
        self.exporter.clear()


@contextlib.contextmanager
def capture_traces(**options: Any) -> Iterator[FluxLoopTraces]:
    """fluxloop-otel recording in memory for the duration of the block (``options``: more ``configure()`` options)."""
    import fluxloop_otel
    from fluxloop_otel.config import setup
    from fluxloop_otel.core import runtime

    previous = runtime.current
    previous_options = dict(setup._state.options)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fluxloop_otel.configure(**{**options, "tracer_provider": provider, "offline_store_enabled": False})
    try:
        yield FluxLoopTraces(exporter, provider)
    finally:
        fluxloop_otel.force_flush(5)
        provider.shutdown()
        if previous is not None and previous.enabled:
            fluxloop_otel.configure(**previous_options)
        else:
            fluxloop_otel.shutdown()
            runtime.current = previous  # unconfigured again: the next traced call configures from the environment


__all__ = ["FluxLoopTraces", "capture_traces"]
