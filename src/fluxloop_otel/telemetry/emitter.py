"""``Telemetry``: the one emitter that turns invocation records into spans.

Every entry point (decorators, ``instrument()``, the push/pop API, LangChain/LangGraph, the
FluxLoop SDK bridge, other frameworks) fills a record from :mod:`~fluxloop_otel.telemetry.records`
and calls :meth:`Telemetry.start`, then :meth:`Telemetry.stop` or :meth:`Telemetry.fail`. The
emitter owns the span, its name, every attribute (:mod:`~fluxloop_otel.telemetry.attributes`),
the content policy and error recording; capabilities added here reach every entry point.

A ``Telemetry`` is built from what an instrumentation is given (a tracer, a serializer, a content
switch); it never reads global fluxloop-otel state, installs a provider or writes files.

Spans started inside ``suppress_tracing()`` are not made; the session, user, metadata and tags
of the context (``using_*()``, ``instrument()``, thread ids: :mod:`.scope`) are stamped at start;
model calls emit a GenAI log event when the policy says ``events`` (:mod:`.events`).

Hot path: one attribute dict at start and one at end, content serialized once, no I/O.
Metrics (:mod:`.metrics`) and cost (:mod:`.pricing`) are recorded on stop/fail only when the
emitter was given a MeterProvider / a price table; without them they cost one ``is None`` test.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry._logs import Logger
from opentelemetry.context import Context

from fluxloop_otel._compat import BAGGAGE_KEY, SUPPRESS_INSTRUMENTATION_KEY, quiet_detach
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import trace_uuid
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry import attributes as attrs
from fluxloop_otel.telemetry.errors import record_error
from fluxloop_otel.telemetry.events import emit_operation_details
from fluxloop_otel.telemetry.media import MediaPolicy
from fluxloop_otel.telemetry.metrics import GenAIMetrics
from fluxloop_otel.telemetry.policy import NOTHING, ContentPolicy
from fluxloop_otel.telemetry.pricing import Pricing
from fluxloop_otel.telemetry.records import (
    AgentInvocation,
    EmbeddingInvocation,
    EventRecord,
    Invocation,
    LLMInvocation,
    RetrievalInvocation,
    WorkflowInvocation,
)
from fluxloop_otel.telemetry.roots import RootStarter
from fluxloop_otel.telemetry.scope import (
    SCOPE_KEY,
    SUPPRESS_PLAIN_KEY,
    current_scope,
    is_tracing_suppressed,
    scope_attributes,
)
from fluxloop_otel.telemetry.usage import TokenUsage

#: The instrumentation scope of every fluxloop-otel span.
TRACER_NAME = "fluxloop_otel"

#: Calls to a model or a data store are CLIENT spans (GenAI convention; Jaeger and Tempo key on the
#: span kind); tools, agents, steps run in process: INTERNAL.
_CLIENT_RECORDS = frozenset({LLMInvocation, EmbeddingInvocation, RetrievalInvocation})
_CLIENT = trace_api.SpanKind.CLIENT
_INTERNAL = trace_api.SpanKind.INTERNAL


class Telemetry:
    """Records in, spans out: see the module docstring.

    ``policy`` says where content (inputs, outputs, messages, tool arguments and results,
    documents) goes; ``capture_content`` alone is the short form of "record it or not".
    ``serializer`` masks, caps and redacts what is recorded.
    ``metrics`` (:func:`~fluxloop_otel.telemetry.metrics.metrics_for`) records the GenAI client
    metrics of every ended operation; ``pricing`` (:func:`~fluxloop_otel.telemetry.pricing.pricing_from`)
    puts ``llm.cost.*`` on generation spans; ``media`` (:class:`~fluxloop_otel.telemetry.media.MediaPolicy`)
    uploads or elides large blobs in messages.
    """

    __slots__ = (
        "tracer",
        "serializer",
        "policy",
        "capture_content",
        "metrics",
        "pricing",
        "media",
        "event_logger",
        "event_content",
        "_events",
        "_roots",
    )

    def __init__(
        self,
        tracer: trace_api.Tracer,
        serializer: Serializer | None = None,
        capture_content: bool = True,
        policy: ContentPolicy | None = None,
        *,
        metrics: GenAIMetrics | None = None,
        pricing: Pricing | None = None,
        media: MediaPolicy | None = None,
        event_logger: Logger | None = None,
        event_content: bool = True,
    ) -> None:
        self.tracer = tracer
        self.serializer = serializer if serializer is not None else Serializer()
        self.policy = policy if policy is not None else (ContentPolicy() if capture_content else NOTHING)
        #: Whether content is recorded at all (read on every call: a plain attribute).
        self.capture_content = self.policy.record
        self.metrics = metrics
        self.pricing = pricing
        #: Large images/audio/files in messages: the cap and the upload hook (default: the content cap, no upload).
        self.media = media
        #: Where GenAI log events go (``policy.events``; see :mod:`fluxloop_otel.telemetry.events`).
        self.event_logger = event_logger
        #: Whether events carry the content (``False``: structure only, e.g. content must not leave by OTLP).
        self.event_content = event_content
        self._events = event_logger is not None and self.policy.events
        self._roots: RootStarter | None = None

    # -- spans ------------------------------------------------------------------------------------
    def start(self, inv: Invocation, context: Context | None = None, static: tuple[str, Mapping[str, Any]] | None = None) -> trace_api.Span:
        """Start the span of ``inv`` as a child of ``context`` (default: ``inv.parent``, else the current context).

        ``static``: the record's cached ``(span name, static attributes)`` when the caller keeps
        them (decorators compute them once per function).
        """
        parent = context if context is not None else inv.parent
        current = parent if parent is not None else context_api.get_current()
        get = current.get  # the suppression and scope keys, read inline: every span
        if get(SUPPRESS_INSTRUMENTATION_KEY) or get(SUPPRESS_PLAIN_KEY):  # suppress_tracing(): a span that records nothing
            inv.span = trace_api.INVALID_SPAN
            return inv.span
        name, fixed = static if static is not None else attrs.static(inv)
        attributes = attrs.start_attributes(inv, fixed, self.serializer, self.capture_content, self.media)
        if get(SCOPE_KEY) is not None or get(BAGGAGE_KEY):
            scope = current_scope(current)
            if scope is not None:
                attributes.update(scope_attributes(scope, attributes))
        span = self.tracer.start_span(
            name,
            context=parent,
            kind=_CLIENT if type(inv) in _CLIENT_RECORDS else _INTERNAL,
            attributes=attributes,
            links=inv.links or None,
            start_time=inv.start_time_ns,
        )
        inv.span = span
        return span

    def stop(self, inv: Invocation, end_reason: str | None = None) -> None:
        """Record the outcome of ``inv`` (output, usage, documents...) and end its span.

        ``end_reason`` says why work ended early without failing (a stream ``closed``,
        ``cancelled``, ``abandoned``...).
        """
        span = inv.span
        if span is None or span is trace_api.INVALID_SPAN:
            return
        try:
            attributes = attrs.end_attributes(inv, self.serializer, self.capture_content, self.media)
            if end_reason:
                attributes[A.FLUXLOOP_STREAM_END_REASON] = end_reason
            if self.pricing is not None and type(inv) is LLMInvocation:
                attributes.update(attrs.cost_attributes(self.pricing, inv, attributes, getattr(span, "attributes", None)))
            if attributes:
                span.set_attributes(attributes)
            if inv.error_message:
                span.set_status(trace_api.Status(trace_api.StatusCode.ERROR, inv.error_message))
            if self._events and type(inv) is LLMInvocation:
                self._emit_event(span)
        finally:
            span.end(end_time=inv.end_time_ns)
            if self.metrics is not None:
                self._measure(inv, span, None)

    def fail(self, inv: Invocation, error: BaseException) -> None:
        """Record ``error`` on ``inv`` (status, ``error.type``, exception event) and end its span."""
        span = inv.span
        if span is None or span is trace_api.INVALID_SPAN:
            return
        try:
            attributes = attrs.failure_attributes(inv)
            if attributes:
                span.set_attributes(attributes)
            record_error(span, error, self.serializer)
            if self._events and type(inv) is LLMInvocation:
                self._emit_event(span)
        finally:
            span.end(end_time=inv.end_time_ns)
            if self.metrics is not None:
                self._measure(inv, span, type(error).__qualname__)

    def _measure(self, inv: Invocation, span: trace_api.Span, error_type: str | None) -> None:
        try:
            self.metrics.record(inv, span, error_type)  # type: ignore[union-attr]
        except Exception:  # a metrics failure never reaches the traced code
            pass

    def _emit_event(self, span: trace_api.Span) -> None:
        """The model call's ``gen_ai.client.inference.operation.details`` log event (never raises)."""
        try:
            emit_operation_details(self.event_logger, span, self.capture_content and self.event_content)  # type: ignore[arg-type]
        except Exception:  # a logging pipeline's fault must not reach the traced program
            pass

    def note(self, inv: Invocation, name: str, attributes: Mapping[str, Any] | None = None) -> None:
        """A span event on a running record (e.g. a LangGraph interrupt)."""
        if inv.span is not None:
            inv.span.add_event(name, dict(attributes) if attributes else None)

    def update(self, inv: Invocation, attributes: Mapping[str, Any]) -> None:
        """More attributes on a running record, known while it runs (already valid attribute values;
        content goes through :meth:`content` first)."""
        if inv.span is not None and attributes:
            inv.span.set_attributes(attributes)

    def add_link(self, inv: Invocation, link: trace_api.Link) -> None:
        """A link found while the record runs (links known at its start go in ``inv.links``)."""
        if inv.span is not None:
            inv.span.add_link(link.context, link.attributes)

    def content(self, value: Any, field: str = "output") -> str | None:
        """``value`` as attribute text under the content policy: ``None`` when content is not recorded."""
        if not self.capture_content:
            return None
        return self.serializer.dumps(value, field)

    def promote_to_agent(self, inv: Invocation, session_id: str | None = None) -> AgentInvocation:
        """A running step found to be an agent (a LangGraph graph): retype its span in place."""
        agent = AgentInvocation(inv.name, span=inv.span, parent=inv.parent, session_id=session_id)
        if inv.span is not None:
            name, fixed = attrs.static(agent)
            extra = dict(fixed)
            if session_id:
                extra[A.GEN_AI_CONVERSATION_ID] = session_id
            inv.span.set_attributes(extra)
            inv.span.update_name(name)
        return agent

    def event(self, record: EventRecord) -> None:
        """A point-in-time observation: a zero-duration span under the current one."""
        span = self.start(record)
        record.end_time_ns = getattr(span, "start_time", None)
        self.stop(record)

    # -- trace roots ------------------------------------------------------------------------------
    def start_root(self, inv: WorkflowInvocation) -> trace_api.Span:
        """Start a new trace for ``inv`` (with ``inv.trace_id`` if given, else one from the provider's IdGenerator).

        The root carries ``fluxloop.trace.id`` (the FluxLoop trace UUID = the OTel trace id).
        """
        if is_tracing_suppressed():
            inv.span = trace_api.INVALID_SPAN
            return inv.span
        roots = self._roots
        if roots is None:
            roots = self._roots = RootStarter(self.tracer)
        name, fixed = attrs.static(inv)
        attributes = attrs.start_attributes(inv, fixed, self.serializer, self.capture_content, self.media)
        trace_id = inv.trace_id if inv.trace_id is not None else roots.new_trace_id()
        attributes[A.FLUXLOOP_TRACE_ID] = trace_uuid(trace_id)
        scope = current_scope()
        if scope is not None:
            attributes.update(scope_attributes(scope, attributes))
        span, _ = roots.start(name, trace_id, attributes, links=inv.links or None, start_time=inv.start_time_ns)
        inv.span = span
        return span

    # -- attributes of the current observation ----------------------------------------------------
    def usage_attributes(self, usage: TokenUsage) -> dict[str, int]:
        return attrs.usage_attributes(usage)

    def model_attributes(self, model: str, provider: str | None = None) -> dict[str, str]:
        return attrs.model_attributes(model, provider)


def attach(span: trace_api.Span, parent: Context | None = None) -> object:
    """Make ``span`` current; returns the token for :func:`detach`."""
    return context_api.attach(trace_api.set_span_in_context(span, parent))


def detach(token: object) -> None:
    """Detach without logging when the token belongs to another context (GC, other thread)."""
    try:
        quiet_detach(token)
    except Exception:
        pass
