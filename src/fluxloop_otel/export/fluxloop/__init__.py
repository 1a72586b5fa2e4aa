"""FluxLoop JSONL export: the span processor, its background writer and the record builder."""

from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor, span_view
from fluxloop_otel.export.fluxloop.records import SpanView, observation_record, trace_record
from fluxloop_otel.export.fluxloop.writer import JsonlWriter, WriterStats

__all__ = [
    "FluxLoopJsonlSpanProcessor",
    "JsonlWriter",
    "SpanView",
    "WriterStats",
    "observation_record",
    "span_view",
    "trace_record",
]
