"""Typed invocation records: what an entry point knows about one unit of agent work.

Adapters (decorators, ``instrument()``, the push/pop API, LangChain, the FluxLoop SDK
bridge, other frameworks) fill a record and hand it to :class:`~fluxloop_otel.telemetry.emitter.Telemetry`,
which alone turns records into spans: names, GenAI and OpenInference attributes, the FluxLoop
type marker, content policy, usage. Fields left at their default are simply not recorded.

Raw values are welcome: ``input``/``output`` are serialized by the emitter (under the content
policy), messages may be LangChain messages, OpenAI-style dicts or strings, documents may be
LangChain ``Document`` objects, dicts or strings, ``response`` may be any provider response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence, TypeVar

from opentelemetry.context import Context
from opentelemetry.trace import Link, Span

from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry.usage import TokenUsage


class _Unset:
    """Marker for "no value given" (``None`` is a legitimate input or output)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()
_R = TypeVar("_R", bound="Invocation")
_NO_DEFAULT = object()


@dataclass(eq=False)
class Invocation:
    """Fields every kind of work shares."""

    observation_type: ClassVar[ObservationType] = ObservationType.SPAN

    #: Observation name (function name, run name, tool name...).
    name: str
    #: Input value (``input.value``), recorded when content capture is on.
    input: Any = UNSET
    #: Output value (``output.value``), recorded when content capture is on.
    output: Any = UNSET
    #: User metadata (OpenInference ``metadata``).
    metadata: Mapping[str, Any] | None = None
    tags: Sequence[str] | None = None
    session_id: str | None = None
    user_id: str | None = None
    #: FluxLoop observation level (``debug``/``info``/``warning``/``error``).
    level: str | None = None
    #: More attributes, set as they are (already valid OTel attribute values).
    attributes: dict[str, Any] | None = None
    #: Span name detail, e.g. the model or data source (``chat {detail}``).
    detail: str | None = None
    links: Sequence[Link] = ()
    start_time_ns: int | None = None
    end_time_ns: int | None = None
    #: An input known only at the end (LangChain streams): recorded by ``stop``.
    late_input: Any = UNSET
    #: Per-record content switches (``@agent(capture_input=False)``); the emitter's policy still applies.
    record_input: bool = True
    record_output: bool = True
    #: Streams: seconds to the first chunk, and the chunk count.
    time_to_first_chunk: float | None = None
    chunks: int | None = None
    #: The work reported a failure (a status, not an exception): the span ends with status ERROR.
    error_message: str | None = None
    #: More attributes known only at the end (already valid OTel attribute values).
    end_attributes: dict[str, Any] | None = None
    #: The span, once started.
    span: Span | None = None
    #: The span's parent context (``None``: the current context).
    parent: Context | None = None

    def fresh(self: _R) -> _R:
        """A new record with this one's fields (a template filled once, copied per call: cheaper than ``__init__``).

        Only the fields that differ from their defaults are copied: a dataclass keeps each
        field's default as a class attribute, which the copy reads through.
        """
        record = object.__new__(type(self))
        record.__dict__.update(self.own_fields())
        return record

    def own_fields(self) -> dict[str, Any]:
        """The fields whose values are not the class defaults (what :meth:`fresh` copies)."""
        cls = type(self)
        return {key: value for key, value in self.__dict__.items() if getattr(cls, key, _NO_DEFAULT) is not value}


@dataclass(eq=False)
class StepInvocation(Invocation):
    """A workflow or chain step (FluxLoop ``chain``), or a plain ``span``."""

    observation_type: ClassVar[ObservationType] = ObservationType.CHAIN


@dataclass(eq=False)
class SpanInvocation(Invocation):
    """A generic observation (FluxLoop ``span``, e.g. ``@trace``)."""

    observation_type: ClassVar[ObservationType] = ObservationType.SPAN


@dataclass(eq=False)
class EvaluationInvocation(Invocation):
    """An evaluation (FluxLoop ``evaluation``)."""

    observation_type: ClassVar[ObservationType] = ObservationType.EVALUATION


@dataclass(eq=False)
class AgentInvocation(Invocation):
    """An agent run (``invoke_agent {name}``)."""

    observation_type: ClassVar[ObservationType] = ObservationType.AGENT

    agent_id: str | None = None
    description: str | None = None


@dataclass(eq=False)
class WorkflowInvocation(Invocation):
    """A FluxLoop trace root (``invoke_workflow {name}``): ``instrument()`` or an SDK trace.

    With ``trace_id`` the root starts a new trace with that id (= the FluxLoop trace UUID);
    ``external`` marks a trace whose FluxLoop trace line someone else writes.
    """

    observation_type: ClassVar[ObservationType] = ObservationType.SPAN

    trace_id: int | None = None
    external: bool = False


@dataclass(eq=False)
class LLMInvocation(Invocation):
    """One model call (FluxLoop ``generation``)."""

    observation_type: ClassVar[ObservationType] = ObservationType.GENERATION

    #: ``chat`` or ``text_completion``.
    operation: str = "chat"
    request_model: str | None = None
    provider: str | None = None
    #: Request parameters (temperature, max_tokens...; scalars and lists of scalars).
    parameters: Mapping[str, Any] | None = None
    #: Input messages (any supported message shape) or a prompt string.
    messages: Any = UNSET
    #: Output messages (e.g. one per LangChain generation).
    output_messages: Sequence[Any] | None = None
    #: A raw provider response (OpenAI-style object or dict, LangChain ``AIMessage``, text).
    response: Any = UNSET
    usage: TokenUsage | None = None
    #: Whether token usage should be read at all (``@prompt(capture_tokens=False)``).
    read_usage: bool = True
    response_model: str | None = None
    response_id: str | None = None
    finish_reasons: Sequence[str] | None = None
    stream: bool = False
    #: Tools offered to the model, each in its provider's format (OpenAI, Anthropic, Bedrock,
    #: Gemini, built-in tools): ``gen_ai.tool.definitions`` and ``llm.tools`` (content).
    tool_definitions: Sequence[Any] | None = None


@dataclass(eq=False)
class ToolCall(Invocation):
    """One tool execution (``execute_tool {name}``); ``input`` holds the arguments, ``output`` the result."""

    observation_type: ClassVar[ObservationType] = ObservationType.TOOL

    description: str | None = None
    call_id: str | None = None
    tool_type: str | None = None
    #: JSON schema (text) of the parameters (OpenInference ``tool.parameters``).
    parameters_schema: str | None = None
    #: Data the tool returned beside its result (recorded in ``output.value`` only).
    artifact: Any = UNSET


@dataclass(eq=False)
class RetrievalInvocation(Invocation):
    """One retrieval (``retrieval {data source}``)."""

    observation_type: ClassVar[ObservationType] = ObservationType.RETRIEVAL

    query: str | None = None
    #: Retrieved items (LangChain documents, dicts, strings), or UNSET while running.
    documents: Any = UNSET
    data_source: str | None = None
    top_k: int | None = None


@dataclass(eq=False)
class EmbeddingInvocation(Invocation):
    """One embedding call (``embeddings {model}``); ``output`` may hold the vectors."""

    observation_type: ClassVar[ObservationType] = ObservationType.EMBEDDING

    request_model: str | None = None
    provider: str | None = None
    #: ``(vector count, dimensions)`` when known without looking at ``output``.
    vectors: tuple[int, int] | None = None


@dataclass(eq=False)
class EventRecord(Invocation):
    """A point-in-time observation (FluxLoop ``event``, a zero-duration span)."""

    observation_type: ClassVar[ObservationType] = ObservationType.EVENT


#: Record class per observation type (the push/pop API and converters build records by type).
RECORD_TYPES: dict[ObservationType, type[Invocation]] = {
    ObservationType.SPAN: SpanInvocation,
    ObservationType.CHAIN: StepInvocation,
    ObservationType.EVENT: EventRecord,
    ObservationType.EVALUATION: EvaluationInvocation,
    ObservationType.AGENT: AgentInvocation,
    ObservationType.GENERATION: LLMInvocation,
    ObservationType.TOOL: ToolCall,
    ObservationType.RETRIEVAL: RetrievalInvocation,
    ObservationType.EMBEDDING: EmbeddingInvocation,
}

__all__ = [
    "AgentInvocation",
    "EmbeddingInvocation",
    "EvaluationInvocation",
    "EventRecord",
    "Invocation",
    "LLMInvocation",
    "RECORD_TYPES",
    "RetrievalInvocation",
    "SpanInvocation",
    "StepInvocation",
    "ToolCall",
    "UNSET",
    "WorkflowInvocation",
]
