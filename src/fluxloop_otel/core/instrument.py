"""``instrument()``: a FluxLoop trace as an OpenTelemetry span (sync and async context manager).

Outside any span it starts a new trace, optionally with a given FluxLoop trace id (the
OTel trace id then equals that UUID; otherwise the provider's IdGenerator draws it). Inside an active span it is a child of that span.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from opentelemetry import trace as trace_api

from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.core.context import TraceContext, _current_trace
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import trace_id_from_uuid
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry import Telemetry, WorkflowInvocation, attach, detach
from fluxloop_otel.telemetry.scope import is_tracing_suppressed, with_scope


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
        self._record: WorkflowInvocation | None = None
        self._telemetry: Telemetry | None = None
        self._token: object = None
        self._trace_token: Any = None
        self.context: TraceContext | None = None

    def __enter__(self) -> TraceContext:
        rt = _runtime.get()
        if is_tracing_suppressed():  # suppress_tracing(): no trace, a context that records nothing
            self.context = TraceContext(trace_api.INVALID_SPAN, metadata=self.metadata, tags=self.tags, user_id=self.user_id, session_id=self.session_id)
            return self.context
        record = WorkflowInvocation(
            self.name,
            metadata=self.metadata or None,
            tags=self.tags or None,
            session_id=self.session_id,
            user_id=None if self.user_id is None else str(self.user_id),
            trace_id=self.trace_id,
        )
        parent = trace_api.get_current_span().get_span_context()
        if self.trace_id is None and parent.is_valid:
            # Inside another span: a child, recorded as an observation of that trace.
            record.attributes = {A.FLUXLOOP_OBSERVATION_TYPE: ObservationType.SPAN.value, A.FLUXLOOP_OBSERVATION_NAME: self.name}
            span = rt.telemetry.start(record)
        else:
            span = rt.telemetry.start_root(record)
        self._record = record
        self._telemetry = rt.telemetry
        # The trace's session, user, metadata and tags reach every span started inside (any instrumentation).
        scoped = with_scope(
            session_id=self.session_id,
            user_id=record.user_id,
            metadata=self.metadata or None,
            tags=self.tags,
            metadata_text=rt.serializer.dumps(self.metadata, "metadata") if self.metadata else None,
        )
        self._token = attach(span, scoped)
        self.context = TraceContext(span, metadata=self.metadata, tags=self.tags, user_id=self.user_id, session_id=self.session_id)
        self._trace_token = _current_trace.set(self.context)
        return self.context

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        record = self._record
        if record is None:
            return
        self._record = None
        try:
            _current_trace.reset(self._trace_token)
        except ValueError:  # exited in another context
            pass
        detach(self._token)
        if exc is not None:
            self._telemetry.fail(record, exc)
        else:
            self._telemetry.stop(record)

    async def __aenter__(self) -> TraceContext:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)
