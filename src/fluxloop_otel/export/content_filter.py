"""An exporter wrapper that drops user-content attributes before spans leave the process.

Used for ``otlp_capture_content=False``: the shared OTLP backend gets the structure of every
trace (names, kinds, parents, timings, models, token counts, errors) while prompts,
messages, tool arguments and results, documents and input/output values stay in the local
FluxLoop JSONL files. Redaction (``redact=``, secret masking) runs earlier, when content is
captured, so it applies to both destinations.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from fluxloop_otel.export.span_copy import span_with
from fluxloop_otel.semconv.attributes import FLUXLOOP_CONTENT_WITHHELD, is_content_attribute


def _has_content(attributes: Mapping[str, Any] | None) -> bool:
    return bool(attributes) and any(is_content_attribute(key) for key in attributes)  # type: ignore[union-attr]


def _strip(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in attributes.items() if not is_content_attribute(key)}


def without_content(span: ReadableSpan) -> ReadableSpan:
    """``span`` itself when it carries no content, else a copy without content attributes
    (on the span and its events) and with ``fluxloop.content.withheld = true``."""
    events = span.events
    events_have_content = any(_has_content(event.attributes) for event in events)
    if not _has_content(span.attributes) and not events_have_content:
        return span
    attributes = _strip(span.attributes or {})
    attributes[FLUXLOOP_CONTENT_WITHHELD] = True
    if events_have_content:
        events = tuple(Event(event.name, _strip(event.attributes or {}), event.timestamp) for event in events)
    return span_with(span, attributes, events)


class ContentFilteringExporter(SpanExporter):
    """Exports through ``inner`` with user content removed (the local JSONL keeps it)."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([without_content(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
