"""A span processor that fans out to a replaceable set of processors and contains their faults.

``configure()`` adds one of these to a TracerProvider once; later ``configure()`` calls
swap what it holds (the SDK has no way to remove a processor). A processor that raises
is counted and logged once; the span still reaches the others and the traced program
never sees the exception. Spans started inside ``suppress_tracing()`` by code that ignores
OpenTelemetry's suppression key reach none of them. Every span started in a ``using_*()`` /
``instrument()`` / thread-id scope is stamped with its session, user, metadata and tags
(:func:`~fluxloop_otel.telemetry.scope.stamp_scope`), whoever started it.
"""

from __future__ import annotations

import logging
import time
from typing import Sequence

from opentelemetry.context import Context
from opentelemetry.context import get_current as _get_current
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from fluxloop_otel._compat import BAGGAGE_KEY, SUPPRESS_INSTRUMENTATION_KEY
from fluxloop_otel.telemetry.scope import SCOPE_KEY, SUPPRESS_PLAIN_KEY, stamp_scope

logger = logging.getLogger("fluxloop_otel.export")
_MAX_SUPPRESSED = 100_000


class FanOutSpanProcessor(SpanProcessor):
    """Forwards to ``processors``; faults are contained, counted in :attr:`faults`."""

    def __init__(self, processors: Sequence[SpanProcessor] = ()) -> None:
        self._processors: tuple[SpanProcessor, ...] = ()
        self._starting: tuple[SpanProcessor, ...] = ()
        self.faults = 0
        self._logged: set[str] = set()
        #: Spans started inside suppress_tracing() (ids), left out at their end.
        self._suppressed: set[int] = set()
        self._set(processors)

    def _set(self, processors: Sequence[SpanProcessor]) -> None:
        self._processors = tuple(processors)
        # on_start is called only on processors that do something there (hot path).
        self._starting = tuple(p for p in self._processors if type(p).on_start is not SpanProcessor.on_start)

    @property
    def processors(self) -> tuple[SpanProcessor, ...]:
        return self._processors

    def replace(self, processors: Sequence[SpanProcessor], timeout_millis: int = 30000) -> None:
        """Swap in ``processors``; the ones dropped are flushed and shut down."""
        old = self._processors
        self._set(processors)
        for processor in old:
            if processor not in self._processors:
                self._call(processor, "shutdown")

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        context = parent_context if parent_context is not None else _get_current()
        if context.get(SUPPRESS_INSTRUMENTATION_KEY) or context.get(SUPPRESS_PLAIN_KEY):  # inlined: every span
            # Started inside suppress_tracing() by code that does not check the key (a plain
            # tracer, openai-v2): none of the processors here sees it.
            suppressed = self._suppressed
            if len(suppressed) >= _MAX_SUPPRESSED:
                suppressed.clear()
            suppressed.add(span.context.span_id)
            return
        if context.get(SCOPE_KEY) is not None or context.get(BAGGAGE_KEY):
            # using_*() / instrument() / a thread id / baggage: stamp session, user, metadata, tags.
            try:
                stamp_scope(span, context)
            except Exception as exc:
                self._fault(self, "stamp_scope", exc)
        for processor in self._starting:
            try:
                processor.on_start(span, parent_context=context)
            except Exception as exc:
                self._fault(processor, "on_start", exc)

    def on_end(self, span: ReadableSpan) -> None:
        if self._suppressed and span.context.span_id in self._suppressed:
            self._suppressed.discard(span.context.span_id)
            return
        for processor in self._processors:
            try:
                processor.on_end(span)
            except Exception as exc:
                self._fault(processor, "on_end", exc)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        deadline = time.monotonic() + timeout_millis / 1000
        flushed = True
        for processor in self._processors:
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            result = self._call(processor, "force_flush", remaining)
            flushed = flushed and result is not False
        return flushed

    def shutdown(self) -> None:
        for processor in self._processors:
            self._call(processor, "shutdown")

    def _call(self, processor: SpanProcessor, method: str, *args: object) -> object:
        try:
            return getattr(processor, method)(*args)
        except Exception as exc:
            self._fault(processor, method, exc)
            return False

    def _fault(self, processor: SpanProcessor, method: str, exc: Exception) -> None:
        self.faults += 1
        key = f"{type(processor).__name__}.{method}"
        if key not in self._logged:
            self._logged.add(key)
            logger.warning("fluxloop-otel: %s raised %r; contained (further faults are only counted)", key, exc)
