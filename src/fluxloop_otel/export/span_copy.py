"""A finished span with other attributes and events: what exporter wrappers send instead of it."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from opentelemetry.sdk.trace import Event, ReadableSpan


def span_with(span: ReadableSpan, attributes: Mapping[str, Any] | None, events: Sequence[Event]) -> ReadableSpan:
    """A copy of ``span`` carrying ``attributes`` and ``events``; everything else as it was."""
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
