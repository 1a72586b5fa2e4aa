"""``instrument()``: a FluxLoop trace as an OpenTelemetry span (sync and async context manager).

Outside any span it starts a new trace, optionally with a given FluxLoop trace id (the
OTel trace id then equals that UUID). Inside an active span it is a child of that span.
"""

from __future__ import annotations

import random
from types import TracebackType
from typing import Any

from opentelemetry import trace as trace_api

from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.core import spans
from fluxloop_otel.core.context import TraceContext, _current_trace
from fluxloop_otel.export.fluxloop.ids import trace_id_from_uuid, trace_uuid, workflow_root_span_id
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import WORKFLOW_OPERATION, ObservationType, workflow_span_name


class instrument:  # noqa: N801 - mirrors fluxloop.instrument
    """Trace a block of code as one FluxLoop trace::

        with instrument("checkout", session_id="s-1", tags=["prod"]) as ctx:
            ctx.add_metadata("cart", 3)
            run_agent(...)

    ``async with instrument(...)`` works the same way.
    """

    def __init__(
        self,
        name: str,
        session_id: Any = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        trace_id: Any = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("instrument() needs a non-empty trace name")
        self.name = name
        self.session_id = None if session_id is None else str(session_id)
        self.user_id = user_id
        self.metadata = dict(metadata or {})
        self.tags = [str(tag) for tag in (tags or [])]
        self.trace_id = trace_id_from_uuid(trace_id) if trace_id is not None else None
        self._span: trace_api.Span | None = None
        self._token: object = None
        self._trace_token: Any = None
        self.context: TraceContext | None = None

    def _attributes(self, rt: _runtime.Runtime) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            A.GEN_AI_OPERATION_NAME: WORKFLOW_OPERATION,
            A.GEN_AI_WORKFLOW_NAME: self.name,
            A.OPENINFERENCE_SPAN_KIND: A.SPAN_KIND.CHAIN.value,
        }
        if self.session_id:
            attributes[A.SESSION_ID] = self.session_id
            attributes[A.GEN_AI_CONVERSATION_ID] = self.session_id
        if self.user_id:
            attributes[A.USER_ID] = str(self.user_id)
        if self.tags:
            attributes[A.TAG_TAGS] = list(self.tags)
        if self.metadata:
            attributes[A.METADATA] = rt.serializer.dumps(self.metadata, "metadata")
        return attributes

    def __enter__(self) -> TraceContext:
        rt = _runtime.get()
        attributes = self._attributes(rt)
        parent = trace_api.get_current_span().get_span_context()
        if self.trace_id is None and parent.is_valid:
            # Inside another span: a child, recorded as an observation of that trace.
            attributes[A.FLUXLOOP_OBSERVATION_TYPE] = ObservationType.SPAN.value
            attributes[A.FLUXLOOP_OBSERVATION_NAME] = self.name
            span = rt.tracer.start_span(workflow_span_name(self.name), attributes=attributes)
        else:
            trace_id = self.trace_id if self.trace_id is not None else random.getrandbits(128) or 1
            attributes[A.FLUXLOOP_TRACE_ID] = trace_uuid(trace_id)
            span = rt.start_root_span(workflow_span_name(self.name), trace_id, workflow_root_span_id(trace_id), attributes)
        self._span = span
        self._token = spans.attach(span)
        self.context = TraceContext(span, metadata=self.metadata, tags=self.tags, user_id=self.user_id, session_id=self.session_id)
        self._trace_token = _current_trace.set(self.context)
        return self.context

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        span = self._span
        if span is None:
            return
        try:
            _current_trace.reset(self._trace_token)
        except ValueError:  # exited in another context
            pass
        spans.safe_detach(self._token)
        if exc is not None:
            spans.record_error(span, exc)
        span.end()
        self._span = None

    async def __aenter__(self) -> TraceContext:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)
