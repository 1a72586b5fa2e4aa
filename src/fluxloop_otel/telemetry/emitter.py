"""``Telemetry``: the one emitter that turns invocation records into spans.

Every entry point (decorators, ``instrument()``, the push/pop API, LangChain/LangGraph, the
FluxLoop SDK bridge, other frameworks) fills a record from :mod:`~fluxloop_otel.telemetry.records`
and calls :meth:`Telemetry.start`, then :meth:`Telemetry.stop` or :meth:`Telemetry.fail`. The
emitter owns the span, its name, every attribute (:mod:`~fluxloop_otel.telemetry.attributes`),
the content policy and error recording; capabilities added here reach every entry point.

A ``Telemetry`` is built from what an instrumentation is given (a tracer, a serializer, a content
switch); it never reads global fluxloop-otel state, installs a provider or writes files.

Hot path: one attribute dict at start and one at end, content serialized once, no I/O.
Metrics (:mod:`.metrics`) and cost (:mod:`.pricing`) are recorded on stop/fail only when the
emitter was given a MeterProvider / a price table; without them they cost one ``is None`` test.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import Context

from fluxloop_otel._compat import quiet_detach
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import trace_uuid
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry import attributes as attrs
from fluxloop_otel.telemetry.errors import record_error
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

    __slots__ = ("tracer", "serializer", "policy", "capture_content", "metrics", "pricing", "media", "_roots")

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
        self._roots: RootStarter | None = None

    # -- spans ------------------------------------------------------------------------------------
    def start(self, inv: Invocation, context: Context | None = None, static: tuple[str, Mapping[str, Any]] | None = None) -> trace_api.Span:
        """Start the span of ``inv`` as a child of ``context`` (default: ``inv.parent``, else the current context).

        ``static``: the record's cached ``(span name, static attributes)`` when the caller keeps
        them (decorators compute them once per function).
        """
        name, fixed = static if static is not None else attrs.static(inv)
        attributes = attrs.start_attributes(inv, fixed, self.serializer, self.capture_content, self.media)
        span = self.tracer.start_span(
            name,
            context=context if context is not None else inv.parent,
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
        if span is None:
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
        finally:
            span.end(end_time=inv.end_time_ns)
            if self.metrics is not None:
                self._measure(inv, span, None)

    def fail(self, inv: Invocation, error: BaseException) -> None:
        """Record ``error`` on ``inv`` (status, ``error.type``, exception event) and end its span."""
        span = inv.span
        if span is None:
            return
        try:
            attributes = attrs.failure_attributes(inv)
            if attributes:
                span.set_attributes(attributes)
            record_error(span, error, self.serializer)
        finally:
            span.end(end_time=inv.end_time_ns)
            if self.metrics is not None:
                self._measure(inv, span, type(error).__qualname__)

    def _measure(self, inv: Invocation, span: trace_api.Span, error_type: str | None) -> None:
        try:
            self.metrics.record(inv, span, error_type)  # type: ignore[union-attr]
        except Exception:  # a metrics failure never reaches the traced code
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
        roots = self._roots
        if roots is None:
            roots = self._roots = RootStarter(self.tracer)
        name, fixed = attrs.static(inv)
        attributes = attrs.start_attributes(inv, fixed, self.serializer, self.capture_content, self.media)
        trace_id = inv.trace_id if inv.trace_id is not None else roots.new_trace_id()
        attributes[A.FLUXLOOP_TRACE_ID] = trace_uuid(trace_id)
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
