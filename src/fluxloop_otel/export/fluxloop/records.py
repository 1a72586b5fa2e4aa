"""Span -> FluxLoop records (the SDK offline-store format the FluxLoop CLI reads).

Pure functions over :class:`SpanView`, a neutral view of a finished span, so the in-process
JSONL processor and ``fluxloop-otel convert`` (OTLP JSON from a collector) produce the same
records from the same spans.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Sequence

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import observation_uuid, trace_uuid, workflow_root_span_id
from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.telemetry.usage import token_count

#: OpenInference span kind / GenAI operation of a span without a FluxLoop marker -> FluxLoop type.
_KIND_TO_TYPE = {
    "AGENT": "agent",
    "TOOL": "tool",
    "LLM": "generation",
    "RETRIEVER": "retrieval",
    "EMBEDDING": "embedding",
    "CHAIN": "chain",
    "EVALUATOR": "evaluation",
}
_OPERATION_TO_TYPE = {
    "invoke_agent": "agent",
    "create_agent": "agent",
    "execute_tool": "tool",
    "chat": "generation",
    "text_completion": "generation",
    "generate_content": "generation",
    "retrieval": "retrieval",
    "embeddings": "embedding",
}
#: Metadata key of a model observation whose usage a nested observation counted (see :class:`UsageLedger`).
DUPLICATE_USAGE = "duplicate_usage"
_NAME_ATTRIBUTES = {"agent": A.GEN_AI_AGENT_NAME, "tool": A.GEN_AI_TOOL_NAME}
_MODEL_TYPES = frozenset({"generation", "embedding"})

#: Token-count details and costs kept in a generation's ``metadata`` (``usage_details``, ``cost``).
_USAGE_DETAILS = (
    ("cache_read_input_tokens", A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    ("cache_creation_input_tokens", A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
    ("reasoning_output_tokens", A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
)
_COSTS = (("prompt", A.LLM_COST_PROMPT), ("completion", A.LLM_COST_COMPLETION), ("total", A.LLM_COST_TOTAL))

STATUS_UNSET, STATUS_OK, STATUS_ERROR = "UNSET", "OK", "ERROR"


@dataclass
class SpanEvent:
    """One span event (name and attributes)."""

    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class SpanView:
    """What the record builder needs of a finished span."""

    trace_id: int
    span_id: int
    parent_span_id: int | None
    name: str
    start_time_ns: int
    end_time_ns: int
    attributes: Mapping[str, Any]
    status_code: str = STATUS_UNSET
    status_message: str | None = None
    events: Sequence[SpanEvent] = ()
    parent_is_remote: bool = False


def iso_timestamp(time_ns: int) -> str:
    """UTC ISO-8601 with microseconds and ``+00:00`` (the FluxLoop SDK's format)."""
    seconds, rest = divmod(time_ns, 1_000_000_000)
    prefix = _prefix_cache.get(seconds)
    if prefix is None:
        if len(_prefix_cache) > 4096:
            _prefix_cache.clear()
        prefix = _prefix_cache[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{prefix}.{rest // 1000:06d}+00:00"


_prefix_cache: dict[int, str] = {}


def _decode(value: Any, mime: Any) -> Any:
    """Attribute text back to the value it encodes (JSON when the mime type says so)."""
    if not isinstance(value, str):
        return list(value) if isinstance(value, tuple) else value
    if mime == A.MIME_JSON:
        try:
            return _json.loads(value)
        except ValueError:
            return value
    return value


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str) and value:
        try:
            decoded = _json.loads(value)
        except ValueError:
            return {"value": value}
        return decoded if isinstance(decoded, dict) else {"value": decoded}
    return {}


def observation_type(attributes: Mapping[str, Any]) -> str | None:
    """FluxLoop type of a span: its marker, else inferred from OpenInference/GenAI; None if foreign."""
    marked = attributes.get(A.FLUXLOOP_OBSERVATION_TYPE)
    if isinstance(marked, str):
        return marked
    kind = attributes.get(A.OPENINFERENCE_SPAN_KIND)
    if isinstance(kind, str) and kind.upper() in _KIND_TO_TYPE:
        return _KIND_TO_TYPE[kind.upper()]
    operation = attributes.get(A.GEN_AI_OPERATION_NAME)
    if isinstance(operation, str):
        return _OPERATION_TO_TYPE.get(operation)
    return None


def is_workflow_root(span: SpanView) -> bool:
    """Whether the span is the root of an ``instrument()`` block (a FluxLoop trace, not an observation)."""
    return A.FLUXLOOP_TRACE_ID in span.attributes and span.span_id == workflow_root_span_id(span.trace_id)


def is_trace_root(span: SpanView) -> bool:
    """Whether the span starts its trace in this process (no parent, or a remote one)."""
    return span.parent_span_id is None or span.parent_is_remote


def _exception_event(span: SpanView) -> SpanEvent | None:
    for event in reversed(span.events):
        if event.name == "exception":
            return event
    return None


def _has_usage(attributes: Mapping[str, Any]) -> bool:
    return any(key in attributes for key in _USAGE_KEYS)


_USAGE_KEYS = (A.GEN_AI_USAGE_INPUT_TOKENS, A.GEN_AI_USAGE_OUTPUT_TOKENS, A.LLM_TOKEN_COUNT_PROMPT, A.LLM_TOKEN_COUNT_COMPLETION, A.LLM_TOKEN_COUNT_TOTAL)


class UsageLedger:
    """One count per model call, when two instrumentations record the same call.

    With a provider instrumentation active (openai-v2, OpenLLMetry's or OpenInference's OpenAI
    instrumentation), its ``chat``/``embeddings`` span nests directly under our generation or
    embedding span for the same call, and both carry the usage. The FluxLoop CLI and
    ``fluxloop-otel show`` sum the tokens of every ``generation``: the call would count twice.
    The innermost span is the one closest to the HTTP call (one span per billed request, even
    when a decorated function makes several), so it keeps its counts; a model span with a model
    child that counted keeps its span and its counts under ``metadata.duplicate_usage``, and is not summed.

    Spans must be fed in the order they end (children before parents), as processors and the
    Collector's file exporter see them. Bounded; thread-safe.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self._counted: dict[tuple[int, int], str] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def counted_below(self, span: SpanView, kind: str | None | object = ...) -> str | None:
        """The observation id of a model span nested directly in ``span`` that already counted its
        usage (``None``: ``span`` counts its own); records ``span`` for its parent.
        ``kind``: the span's observation type, when the caller has read it already."""
        attributes = span.attributes
        if kind is ...:
            kind = observation_type(attributes)
        if kind not in _MODEL_TYPES and not self._counted:
            return None
        with self._lock:
            below = self._counted.pop((span.trace_id, span.span_id), None)
            if kind not in _MODEL_TYPES:
                return None
            parent = span.parent_span_id
            if parent is not None and not span.parent_is_remote and (below is not None or _has_usage(attributes)):
                if len(self._counted) >= self._limit:  # parents that never ended: forget the oldest
                    for key in list(self._counted)[: self._limit // 10 or 1]:
                        del self._counted[key]
                self._counted[(span.trace_id, parent)] = observation_uuid(span.trace_id, span.span_id)
        return below


class RecordStamps:
    """What both records of a span share, computed once: its observation type, trace UUID and
    ISO timestamps, and whether it is an ``instrument()`` root."""

    __slots__ = ("kind", "trace_id", "start", "end", "workflow_root")

    def __init__(self, span: SpanView) -> None:
        kind = span.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE)
        self.kind = kind if type(kind) is str else observation_type(span.attributes)
        self.trace_id = trace_uuid(span.trace_id)
        self.start = iso_timestamp(span.start_time_ns)
        self.end = iso_timestamp(span.end_time_ns)
        self.workflow_root = A.FLUXLOOP_TRACE_ID in span.attributes and span.span_id == workflow_root_span_id(span.trace_id)


def observation_record(span: SpanView, include_foreign: bool = True, counted_below: str | None = None) -> dict[str, Any] | None:
    """The FluxLoop observation line of a span, or None (workflow roots, filtered foreign spans).

    ``counted_below``: the id of a nested model observation that counted this span's usage
    (see :class:`UsageLedger`); the counts then go to ``metadata.duplicate_usage`` instead."""
    return build_observation(span, RecordStamps(span), include_foreign, counted_below)


def _value(attributes: Mapping[str, Any], state_key: str, value_key: str, mime_key: str) -> Any:
    """A record's input or output: the whole state when kept, else the (decoded) value."""
    if state_key in attributes:
        return _decode(attributes[state_key], A.MIME_JSON)
    value, mime = attributes[value_key], attributes.get(mime_key)
    return value if type(value) is str and mime != A.MIME_JSON else _decode(value, mime)


def build_observation(
    span: SpanView, stamps: RecordStamps, include_foreign: bool = True, counted_below: str | None = None
) -> dict[str, Any] | None:
    """:func:`observation_record` on the span's :class:`RecordStamps`."""
    if stamps.workflow_root:
        return None
    attributes = span.attributes
    kind = stamps.kind
    if kind is None:
        if not include_foreign:
            return None
        kind = "span"
    name = attributes.get(A.FLUXLOOP_OBSERVATION_NAME) or attributes.get(_NAME_ATTRIBUTES.get(kind, "")) or span.name
    record: dict[str, Any] = {
        "id": observation_uuid(span.trace_id, span.span_id),
        "type": kind,
        "name": name if type(name) is str else str(name),
        "start_time": stamps.start,
        "end_time": stamps.end,
    }
    if A.INPUT_VALUE in attributes or A.FLUXLOOP_INPUT_STATE in attributes:  # the whole state, else input.value
        record["input"] = _value(attributes, A.FLUXLOOP_INPUT_STATE, A.INPUT_VALUE, A.INPUT_MIME_TYPE)
    if A.OUTPUT_VALUE in attributes or A.FLUXLOOP_OUTPUT_STATE in attributes:
        record["output"] = _value(attributes, A.FLUXLOOP_OUTPUT_STATE, A.OUTPUT_VALUE, A.OUTPUT_MIME_TYPE)
    metadata = _json_object(attributes[A.METADATA]) if A.METADATA in attributes else {}
    description = attributes.get(A.GEN_AI_TOOL_DESCRIPTION)
    if kind == "tool" and isinstance(description, str) and "description" not in metadata:
        metadata["description"] = description
    level = attributes.get(A.FLUXLOOP_OBSERVATION_LEVEL)
    if not isinstance(level, str) or not level:  # only a non-empty string is a level
        level = None
    if span.status_code == STATUS_ERROR:
        event = _exception_event(span)
        event_attributes = event.attributes if event is not None else {}
        message = span.status_message or event_attributes.get("exception.message") or ""
        record["error"] = str(message)
        error_type = attributes.get(A.ERROR_TYPE) or event_attributes.get("exception.type")
        if error_type:
            metadata.setdefault("error_type", str(error_type).rsplit(".", 1)[-1])
        stacktrace = event_attributes.get("exception.stacktrace")
        if stacktrace:
            metadata.setdefault("traceback", str(stacktrace))
        level = level or "error"
    record["level"] = level or "info"
    record["metadata"] = metadata
    if kind in _MODEL_TYPES:
        model = (
            attributes.get(A.GEN_AI_REQUEST_MODEL)
            or attributes.get(A.LLM_MODEL_NAME)
            or attributes.get(A.GEN_AI_RESPONSE_MODEL)
            or attributes.get(A.EMBEDDING_MODEL_NAME)
        )
        if isinstance(model, str) and model:
            record["model"] = model
        parameters = attributes.get(A.LLM_INVOCATION_PARAMETERS)
        if isinstance(parameters, str) and parameters:
            record["llm_parameters"] = _json_object(parameters)
        if attributes.get(A.GEN_AI_REQUEST_STREAM) is True:  # streamed, whatever the client's defaults said
            record.setdefault("llm_parameters", {})["stream"] = True
        prompt = token_count(attributes.get(A.GEN_AI_USAGE_INPUT_TOKENS, attributes.get(A.LLM_TOKEN_COUNT_PROMPT)))
        completion = token_count(attributes.get(A.GEN_AI_USAGE_OUTPUT_TOKENS, attributes.get(A.LLM_TOKEN_COUNT_COMPLETION)))
        total = token_count(attributes.get(A.LLM_TOKEN_COUNT_TOTAL))
        if total is None and (prompt is not None or completion is not None):
            total = (prompt or 0) + (completion or 0)
        # The nested provider span counted this call: the counts stay visible under a key no
        # FluxLoop CLI usage reader looks at (it reads top-level counts, ``usage``,
        # ``token_usage`` and the metadata's own top-level counts).
        counts: dict[str, Any] = record if counted_below is None else {"counted_in": counted_below}
        if prompt is not None:
            counts["prompt_tokens"] = prompt
        if completion is not None:
            counts["completion_tokens"] = completion
        if total is not None:
            counts["total_tokens"] = total
        if counted_below is not None and len(counts) > 1:
            metadata[DUPLICATE_USAGE] = counts
        details = {key: value for key, attribute in _USAGE_DETAILS if (value := token_count(attributes.get(attribute))) is not None}
        if details:  # metadata: the CLI reads prompt/completion/total from the record itself only
            if counted_below is None:
                metadata.setdefault("usage_details", details)
            else:
                counts["usage_details"] = details
        # Only fluxloop-otel prices calls (provider spans carry no llm.cost.*): the cost stays here.
        cost = {key: value for key, attribute in _COSTS if isinstance(value := attributes.get(attribute), (int, float))}
        if cost:
            metadata.setdefault("cost", {**cost, "currency": "USD"})
    parent = span.parent_span_id
    if parent is not None and parent != workflow_root_span_id(span.trace_id):
        record["parent_observation_id"] = observation_uuid(span.trace_id, parent)
    record["trace_id"] = stamps.trace_id
    return record


def record_cost(record: Mapping[str, Any]) -> float | None:
    """The cost (USD) an observation record carries in ``metadata.cost.total``, if any."""
    metadata = record.get("metadata")
    cost = metadata.get("cost") if isinstance(metadata, Mapping) else None
    total = cost.get("total") if isinstance(cost, Mapping) else None
    return float(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def total_cost(records: Any) -> float | None:
    """The summed cost of observation records; None when none carries one (no price table, unknown models)."""
    costs = [cost for record in records if isinstance(record, Mapping) and (cost := record_cost(record)) is not None]
    return sum(costs) if costs else None


def format_cost(usd: float) -> str:
    """USD with enough digits for a single cheap call ($0.000125) and cents for large sums."""
    if usd >= 1:
        return f"${usd:,.2f}"
    return f"${usd:.6f}".rstrip("0").rstrip(".") if usd else "$0"


def trace_record(span: SpanView) -> dict[str, Any] | None:
    """The FluxLoop trace line of a trace's root span, or None for other spans."""
    return build_trace(span, RecordStamps(span))


def build_trace(span: SpanView, stamps: RecordStamps) -> dict[str, Any] | None:
    """:func:`trace_record` on the span's :class:`RecordStamps`."""
    if not (stamps.workflow_root or span.parent_span_id is None or span.parent_is_remote):
        return None
    attributes = span.attributes
    if attributes.get(A.FLUXLOOP_TRACE_EXTERNAL):
        return None
    name = (
        attributes.get(A.GEN_AI_WORKFLOW_NAME)
        or attributes.get(A.FLUXLOOP_OBSERVATION_NAME)
        or attributes.get(_NAME_ATTRIBUTES.get(stamps.kind or "", ""))
        or span.name
    )
    record: dict[str, Any] = {
        "id": stamps.trace_id,
        "name": name if type(name) is str else str(name),
        "start_time": stamps.start,
        "end_time": stamps.end,
    }
    session = attributes.get(A.SESSION_ID)
    if session:
        record["session_id"] = str(session)
    user = attributes.get(A.USER_ID)
    if user:
        record["user_id"] = str(user)
    record["metadata"] = _json_object(attributes[A.METADATA]) if A.METADATA in attributes else {}
    tags = attributes.get(A.TAG_TAGS)
    record["tags"] = [str(tag) for tag in tags] if isinstance(tags, (list, tuple)) else []
    if span.status_code == STATUS_ERROR:
        record["metadata"].setdefault("error", span.status_message or "")
    return record
