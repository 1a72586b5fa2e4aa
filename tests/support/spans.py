"""Looking exported spans up: a span's parent, the spans of a name (every instrumentation's tests)."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan


def parent_of(spans: list[ReadableSpan], span: ReadableSpan) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next((s for s in spans if s.context.span_id == span.parent.span_id), None)


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]
