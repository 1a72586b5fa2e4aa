"""The trace context API of the FluxLoop SDK on top of OpenTelemetry context.

``get_current_context()`` returns a :class:`TraceContext` for the innermost
``instrument()`` block, or for the current span outside one. Its ``push_observation`` /
``pop_observation`` are the SDK's manual "Pattern A" for framework integrations.
``set_usage`` / ``set_model`` / ``event`` act on the current observation.
"""

from __future__ import annotations

import contextvars
import json
import threading
from datetime import datetime
from typing import Any

from opentelemetry import trace as trace_api

from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import observation_uuid, trace_uuid, workflow_root_span_id
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry import (
    RECORD_TYPES,
    UNSET,
    EmbeddingInvocation,
    EventRecord,
    Invocation,
    LLMInvocation,
    TokenUsage,
    attach,
    detach,
)
from fluxloop_otel.telemetry.attributes import model_attributes, usage_attributes
from fluxloop_otel.telemetry.scope import is_tracing_suppressed
from fluxloop_otel.telemetry.scores import record_score as _record_score

_current_trace: contextvars.ContextVar["TraceContext | None"] = contextvars.ContextVar("fluxloop_otel_trace", default=None)
_pushed: contextvars.ContextVar[tuple[tuple[Any, Any, Any], ...]] = contextvars.ContextVar("fluxloop_otel_pushed", default=())


def _to_ns(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1_000_000_000)
    return None


class TraceContext:
    """Trace-level operations (metadata, tags, user) and manual observations for one trace."""

    def __init__(
        self,
        span: trace_api.Span,
        *,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> None:
        self.span = span
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.tags: list[str] = list(tags or [])
        self.user_id = user_id
        self.session_id = session_id
        self._open: dict[int, tuple[Any, Any, Any]] = {}
        self._lock = threading.Lock()

    # -- identity ------------------------------------------------------------------------
    @property
    def trace_id(self) -> str | None:
        """The FluxLoop trace id (UUID string) = the OTel trace id."""
        context = self.span.get_span_context()
        return trace_uuid(context.trace_id) if context.is_valid else None

    def is_enabled(self) -> bool:
        return self.span.is_recording()

    # -- trace-level data ------------------------------------------------------------------
    def add_metadata(self, key: str, value: Any) -> None:
        """Add one metadata entry to the trace (``metadata`` attribute, FluxLoop trace line)."""
        self.metadata[key] = value
        rt = _runtime.get()
        self.span.set_attribute(A.METADATA, rt.serializer.dumps(self.metadata, "metadata"))

    def add_tag(self, tag: str) -> None:
        if tag not in self.tags:
            self.tags.append(tag)
            self.span.set_attribute(A.TAG_TAGS, list(self.tags))

    def set_user(self, user_id: str) -> None:
        self.user_id = user_id
        self.span.set_attribute(A.USER_ID, str(user_id))

    # -- manual observations (FluxLoop SDK "Pattern A") --------------------------------------
    def push_observation(self, observation: Any) -> None:
        """Start a span for ``observation`` (``ObservationData`` or the SDK's model) and make it current."""
        rt = _runtime.get()
        if not rt.enabled or is_tracing_suppressed():
            return
        kind = ObservationType.coerce(getattr(observation.type, "value", observation.type))
        record = RECORD_TYPES[kind](
            observation.name,
            input=UNSET if observation.input is None else observation.input,
            metadata=observation.metadata or None,
            start_time_ns=_to_ns(observation.start_time),
        )
        model = getattr(observation, "model", None)
        if model:
            record.detail = model
            if isinstance(record, (LLMInvocation, EmbeddingInvocation)):
                record.request_model = model
            else:
                record.attributes = rt.telemetry.model_attributes(model)
        span = rt.telemetry.start(record)
        token = attach(span)
        context = span.get_span_context()
        observation.id = observation_uuid(context.trace_id, context.span_id)
        observation.trace_id = trace_uuid(context.trace_id)
        parent = getattr(span, "parent", None)
        if parent is not None and parent.span_id != workflow_root_span_id(context.trace_id):
            observation.parent_observation_id = observation_uuid(context.trace_id, parent.span_id)
        entry = (observation, record, token)
        _pushed.set(_pushed.get() + (entry,))
        with self._lock:
            self._open[id(observation)] = entry

    def pop_observation(self, observation: Any = None) -> Any:
        """End the innermost pushed observation (or the given one) with the fields set since."""
        stack = _pushed.get()
        entry = None
        if observation is None and stack:
            entry = stack[-1]
            _pushed.set(stack[:-1])
        with self._lock:
            if entry is None:
                if observation is None:
                    if not self._open:
                        return None
                    observation = list(self._open.values())[-1][0]
                entry = self._open.get(id(observation))
                if entry is not None:
                    _pushed.set(tuple(e for e in stack if e is not entry))
            if entry is None:
                return None
            self._open.pop(id(entry[0]), None)
        observation, record, token = entry
        _finish_observation(observation, record)
        detach(token)
        return observation


def _finish_observation(observation: Any, record: Invocation) -> None:
    """Copy what was set on ``observation`` since the push into its record and end it."""
    telemetry = _runtime.get().telemetry
    if observation.output is not None:
        if isinstance(record, LLMInvocation):
            record.response = observation.output
        else:
            record.output = observation.output
    end: dict[str, Any] = {}
    usage = TokenUsage(observation.prompt_tokens, observation.completion_tokens, observation.total_tokens)
    if usage:
        if isinstance(record, LLMInvocation):
            record.usage = usage
        else:
            end.update(telemetry.usage_attributes(usage))
    if getattr(observation, "llm_parameters", None):
        end[A.LLM_INVOCATION_PARAMETERS] = telemetry.serializer.dumps(observation.llm_parameters, "metadata")
    level = getattr(getattr(observation, "level", None), "value", getattr(observation, "level", None))
    if level and level != "info":
        end[A.FLUXLOOP_OBSERVATION_LEVEL] = str(level)
    if observation.metadata:
        end[A.METADATA] = telemetry.serializer.dumps(observation.metadata, "metadata")
    if observation.error:
        record.error_message = str(observation.error)
        error_type = (observation.metadata or {}).get("error_type")
        if error_type:
            end[A.ERROR_TYPE] = str(error_type)
    record.end_attributes = end or None
    record.end_time_ns = _to_ns(observation.end_time)
    telemetry.stop(record)


def get_current_context() -> TraceContext:
    """The innermost ``instrument()`` context, else a context for the current span."""
    active = _current_trace.get()
    if active is not None:
        return active
    span = trace_api.get_current_span()
    metadata: dict[str, Any] = {}
    attributes = getattr(span, "attributes", None) or {}
    raw = attributes.get(A.METADATA)
    if isinstance(raw, str):
        try:
            decoded = json.loads(raw)
            metadata = decoded if isinstance(decoded, dict) else {}
        except ValueError:
            pass
    tags = list(attributes.get(A.TAG_TAGS) or [])
    return TraceContext(span, metadata=metadata, tags=tags)


def set_usage(
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    total_tokens: int | None = None,
    *,
    cache_read_input_tokens: int | None = None,
    cache_creation_input_tokens: int | None = None,
    reasoning_output_tokens: int | None = None,
) -> None:
    """Record token usage on the current observation (a ``@prompt`` call, typically).

    ``input_tokens`` includes the cached ones, ``output_tokens`` the reasoning ones (GenAI convention).
    """
    usage = TokenUsage(
        input_tokens, output_tokens, total_tokens, cache_read_input_tokens, cache_creation_input_tokens, reasoning_output_tokens
    )
    if usage:
        trace_api.get_current_span().set_attributes(usage_attributes(usage))


def record_score(
    name: str,
    value: float | None = None,
    *,
    label: str | None = None,
    explanation: str | None = None,
    trace_id: Any = None,
    span_id: Any = None,
) -> bool:
    """An evaluation verdict (GenAI ``gen_ai.evaluation.result`` event) on the current span, or on
    the trace ``trace_id`` (a FluxLoop trace UUID) under ``span_id`` (default: its root).

    See :mod:`fluxloop_otel.telemetry.scores`. Returns whether it was recorded.
    """
    rt = _runtime.get()
    if not rt.enabled:
        return False
    return _record_score(rt.telemetry, name, value, label=label, explanation=explanation, trace_id=trace_id, span_id=span_id)


def set_model(model: str, provider: str | None = None) -> None:
    """Record the model (and provider) of the current observation; renames a ``chat`` span."""
    span = trace_api.get_current_span()
    span.set_attributes(model_attributes(model, provider))
    attributes = getattr(span, "attributes", None) or {}
    if attributes.get(A.GEN_AI_OPERATION_NAME) in ("chat", "text_completion", "embeddings"):
        span.update_name(f"{attributes[A.GEN_AI_OPERATION_NAME]} {model}")


def event(
    name: str,
    input: Any = None,
    output: Any = None,
    metadata: dict[str, Any] | None = None,
    level: str = "info",
) -> None:
    """A point-in-time observation (FluxLoop type ``event``, zero-duration span)."""
    rt = _runtime.get()
    if not rt.enabled:
        return
    rt.telemetry.event(
        EventRecord(
            name,
            input=UNSET if input is None else input,
            output=UNSET if output is None else output,
            metadata=metadata or None,
            level=level,
        )
    )
