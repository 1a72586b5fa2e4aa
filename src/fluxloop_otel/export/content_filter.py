"""An exporter wrapper that drops user-content attributes before spans leave the process."""

from __future__ import annotations

from typing import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from fluxloop_otel.semconv.attributes import FLUXLOOP_CONTENT_DROPPED, is_content_attribute


def without_content(span: ReadableSpan) -> ReadableSpan:
    """A copy of ``span`` without content attributes (prompts, messages, arguments, ...)."""
    attributes = span.attributes or {}
    if not any(is_content_attribute(key) for key in attributes):
        return span
    kept = {key: value for key, value in attributes.items() if not is_content_attribute(key)}
    kept[FLUXLOOP_CONTENT_DROPPED] = True
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=kept,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ContentFilteringExporter(SpanExporter):
    """Exports through ``inner`` with user content removed (the local JSONL keeps it)."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([without_content(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
