"""Stand-in for ``fluxloop_otel.telemetry`` until the telemetry layer lands (same names and calls).

The NAT and AGNT5 adapters import records, ``Telemetry``, ``attach`` and ``detach`` from here only,
so switching to the real layer is one import line. Only what those adapters use is implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import Context
from opentelemetry.trace import Span

from fluxloop_otel.core.spans import record_error, safe_detach
from fluxloop_otel.core.usage import TokenUsage, extract_usage
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv import mapping
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for, workflow_span_name
from fluxloop_otel.serialization import Serializer

TRACER_NAME = "fluxloop_otel"


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


@dataclass(eq=False)
class Invocation:
    observation_type: ClassVar[ObservationType] = ObservationType.SPAN
    name: str
    input: Any = UNSET
    output: Any = UNSET
    metadata: Mapping[str, Any] | None = None
    session_id: str | None = None
    attributes: dict[str, Any] | None = None
    detail: str | None = None
    time_to_first_chunk: float | None = None
    chunks: int | None = None
    span: Span | None = None
    parent: Context | None = None


@dataclass(eq=False)
class StepInvocation(Invocation):
    observation_type: ClassVar[ObservationType] = ObservationType.CHAIN


@dataclass(eq=False)
class AgentInvocation(Invocation):
    observation_type: ClassVar[ObservationType] = ObservationType.AGENT
    description: str | None = None


@dataclass(eq=False)
class WorkflowInvocation(Invocation):
    observation_type: ClassVar[ObservationType] = ObservationType.SPAN


@dataclass(eq=False)
class LLMInvocation(Invocation):
    observation_type: ClassVar[ObservationType] = ObservationType.GENERATION
    request_model: str | None = None
    provider: str | None = None
    parameters: Mapping[str, Any] | None = None
    messages: Any = UNSET
    output_messages: Sequence[Any] | None = None
    response: Any = UNSET
    usage: TokenUsage | None = None
    response_model: str | None = None
    response_id: str | None = None
    finish_reasons: Sequence[str] | None = None
    stream: bool = False


@dataclass(eq=False)
class ToolCall(Invocation):
    observation_type: ClassVar[ObservationType] = ObservationType.TOOL
    description: str | None = None
    call_id: str | None = None
    tool_type: str | None = None
    parameters_schema: str | None = None
    error_message: str | None = None


class Telemetry:
    __slots__ = ("tracer", "serializer", "capture_content")

    def __init__(self, tracer: trace_api.Tracer, serializer: Serializer | None = None, capture_content: bool = True) -> None:
        self.tracer = tracer
        self.serializer = serializer if serializer is not None else Serializer()
        self.capture_content = bool(capture_content)

    def _encode(self, value: Any, field: str) -> tuple[str, str | None]:
        if type(value) is str:
            return self.serializer.text(value), None
        return self.serializer.dumps(value, field), A.MIME_JSON

    def start(self, inv: Invocation, context: Context | None = None) -> Span:
        if isinstance(inv, WorkflowInvocation):
            name = workflow_span_name(inv.name)
            attributes: dict[str, Any] = {
                A.GEN_AI_OPERATION_NAME: "invoke_workflow",
                A.GEN_AI_WORKFLOW_NAME: inv.name,
                A.FLUXLOOP_OBSERVATION_NAME: inv.name,
            }
        else:
            spec = spec_for(inv.observation_type)
            name = spec.span_name(inv.name, inv.detail)
            attributes = spec.static_attributes(inv.name)
        if isinstance(inv, ToolCall):
            if inv.description:
                attributes[A.GEN_AI_TOOL_DESCRIPTION] = inv.description
            if inv.call_id:
                attributes[A.GEN_AI_TOOL_CALL_ID] = inv.call_id
            if inv.parameters_schema:
                attributes[A.TOOL_PARAMETERS] = inv.parameters_schema
        if isinstance(inv, LLMInvocation) and inv.request_model:
            attributes.update(mapping.model_attributes(inv.request_model, inv.provider))
        if inv.attributes:
            attributes.update(inv.attributes)
        if self.capture_content and inv.input is not UNSET:
            text, mime = self._encode(inv.input, "input")
            attributes[A.INPUT_VALUE] = text
            if mime:
                attributes[A.INPUT_MIME_TYPE] = mime
            if isinstance(inv, ToolCall):
                attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = text
        span = self.tracer.start_span(name, context=context if context is not None else inv.parent, attributes=attributes)
        inv.span = span
        return span

    def stop(self, inv: Invocation, end_reason: str | None = None) -> None:
        span = inv.span
        if span is None:
            return
        try:
            attributes: dict[str, Any] = {}
            if self.capture_content and inv.output is not UNSET:
                text, mime = self._encode(inv.output, "output")
                attributes[A.OUTPUT_VALUE] = text
                if mime:
                    attributes[A.OUTPUT_MIME_TYPE] = mime
                if isinstance(inv, ToolCall):
                    attributes[A.GEN_AI_TOOL_CALL_RESULT] = text
            if isinstance(inv, LLMInvocation):
                usage = inv.usage or (extract_usage(inv.response) if inv.response is not UNSET else None)
                if usage:
                    attributes.update(mapping.usage_attributes(usage))
            if inv.chunks is not None:
                attributes[A.FLUXLOOP_STREAM_CHUNKS] = inv.chunks
            if end_reason:
                attributes[A.FLUXLOOP_STREAM_END_REASON] = end_reason
            if attributes:
                span.set_attributes(attributes)
            if getattr(inv, "error_message", None):
                span.set_status(trace_api.Status(trace_api.StatusCode.ERROR, inv.error_message))  # type: ignore[attr-defined]
        finally:
            span.end()

    def fail(self, inv: Invocation, error: BaseException) -> None:
        span = inv.span
        if span is None:
            return
        try:
            record_error(span, error)
        finally:
            span.end()


def attach(span: Span, parent: Context | None = None) -> object:
    return context_api.attach(trace_api.set_span_in_context(span, parent))


def detach(token: object) -> None:
    safe_detach(token)


__all__ = [
    "AgentInvocation",
    "LLMInvocation",
    "StepInvocation",
    "Telemetry",
    "TokenUsage",
    "ToolCall",
    "UNSET",
    "WorkflowInvocation",
    "attach",
    "detach",
]
