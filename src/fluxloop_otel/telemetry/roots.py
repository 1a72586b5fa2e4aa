"""Trace roots that carry a given trace id (a FluxLoop trace UUID): the one way they are started.

``instrument(trace_id=...)``, a FluxLoop CLI run (through the SDK bridge) and converters need
a root span whose trace id is fixed in advance, and whose span id is the derived workflow-root
id (see :mod:`fluxloop_otel.semconv.ids`). The SDK has no API for that; a tracer copy with an
id generator that can be told the next ids does it without touching the provider.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Mapping

from opentelemetry import trace as trace_api
from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

from fluxloop_otel.semconv.ids import workflow_root_span_id


class ForcedIdGenerator(IdGenerator):
    """Delegates to the provider's generator unless the current thread forced the next ids."""

    def __init__(self, inner: IdGenerator | None) -> None:
        self._inner = inner or RandomIdGenerator()
        self._forced = threading.local()

    def force(self, trace_id: int, span_id: int) -> None:
        self._forced.ids = (trace_id, span_id)

    def clear(self) -> None:
        self._forced.ids = None

    def generate_trace_id(self) -> int:
        ids: tuple[int, int] | None = getattr(self._forced, "ids", None)
        return ids[0] if ids else self._inner.generate_trace_id()

    def generate_span_id(self) -> int:
        ids: tuple[int, int] | None = getattr(self._forced, "ids", None)
        if ids:
            self._forced.ids = None
            return ids[1]
        return self._inner.generate_span_id()

    def is_trace_id_random(self) -> bool:
        return False if getattr(self._forced, "ids", None) else self._inner.is_trace_id_random()


class RootStarter:
    """Starts trace roots with chosen ids on one tracer (plain roots where the tracer cannot)."""

    __slots__ = ("_tracer", "_root_tracer", "_ids", "_inner")

    def __init__(self, tracer: trace_api.Tracer) -> None:
        self._tracer = tracer
        self._inner: IdGenerator | None = getattr(tracer, "id_generator", None)
        self._ids: ForcedIdGenerator | None = None
        self._root_tracer: Any = None
        if self._inner is not None:  # an SDK tracer: a copy that can be told the next root's ids
            self._ids = ForcedIdGenerator(self._inner)
            self._root_tracer = copy.copy(tracer)
            self._root_tracer.id_generator = self._ids

    def new_trace_id(self) -> int:
        """A trace id from the provider's IdGenerator (random where there is none)."""
        return (self._inner or RandomIdGenerator()).generate_trace_id()

    def start(
        self,
        name: str,
        trace_id: int | None,
        attributes: Mapping[str, Any] | None = None,
        links: Any = (),
        start_time: int | None = None,
    ) -> tuple[trace_api.Span, int]:
        """A new trace's root span (the trace id drawn when ``None``) and its trace id."""
        if trace_id is None:
            trace_id = self.new_trace_id()
        if self._ids is None:
            span = self._tracer.start_span(name, context=Context(), attributes=attributes, links=links, start_time=start_time)
            return span, span.get_span_context().trace_id or trace_id
        self._ids.force(trace_id, workflow_root_span_id(trace_id))
        try:
            span = self._root_tracer.start_span(
                name, context=Context(), attributes=attributes, links=links, start_time=start_time
            )
        finally:
            self._ids.clear()
        return span, trace_id
