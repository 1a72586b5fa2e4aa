"""Starting and finishing observation spans: the one code path behind every decorator,
``push_observation``, ``event`` and stream.

Hot path rules: attributes go in with one call at start and one at end, content is
serialized once, nothing here does I/O.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import _RUNTIME_CONTEXT
from opentelemetry.trace import Status, StatusCode

from fluxloop_otel.core import runtime as _runtime_module
from fluxloop_otel.core.runtime import Runtime
from fluxloop_otel.core.usage import TokenUsage
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv import mapping
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.serialization.exceptions import exception_message, exception_stacktrace, qualified_name

_ERROR = StatusCode.ERROR
TYPES_READING_RESULTS = frozenset({ObservationType.GENERATION, ObservationType.RETRIEVAL, ObservationType.EMBEDDING})


def safe_detach(token: object, _detach: Any = _RUNTIME_CONTEXT.detach) -> None:
    """Detach without logging when the token belongs to another context (GC, other thread)."""
    try:
        _detach(token)
    except Exception:
        pass


def output_attributes(
    rt: Runtime, observation_type: ObservationType, result: Any, capture_output: bool, capture_tokens: bool
) -> dict[str, Any]:
    """Everything a return value contributes: ``output.value`` (+ type-specific attributes)."""
    capture = capture_output and rt.capture_content
    attributes: dict[str, Any] = {}
    if capture and result is not None:
        recorded = result
        if observation_type is ObservationType.EMBEDDING:  # vectors are not content worth keeping
            summary = mapping.embedding_output_summary(result)
            if summary is not None:
                recorded = {"embeddings": summary[0], "dimensions": summary[1]}
        value, mime = mapping.encode_output(recorded, rt.serializer)
        attributes[A.OUTPUT_VALUE] = value
        if mime is not None:
            attributes[A.OUTPUT_MIME_TYPE] = mime
        if observation_type is ObservationType.TOOL:
            attributes[A.GEN_AI_TOOL_CALL_RESULT] = value
    if observation_type in TYPES_READING_RESULTS:
        attributes.update(mapping.output_attributes(observation_type, result, rt.serializer, capture, capture_tokens))
    return attributes


def record_error(span: trace_api.Span, exc: BaseException) -> None:
    """Status ERROR, an exception event (with stack trace) and ``error.type``.

    The message is read without trusting the exception's ``__str__`` (bounded, see
    :mod:`fluxloop_otel.serialization.exceptions`), then capped and secret-masked like content.
    """
    message = exception_message(exc)
    try:
        stacktrace = exception_stacktrace(exc, message)
    except Exception:  # a broken traceback must not hide the original error
        stacktrace = ""
    rt = _runtime_module.current
    if rt is not None:
        masker, serializer = rt.serializer.masker, rt.serializer
        message = masker.mask_text(serializer.truncate(message))
        stacktrace = masker.mask_text(serializer.truncate(stacktrace))
    span.add_event(
        "exception",
        {
            "exception.type": qualified_name(type(exc)),
            "exception.message": message,
            "exception.stacktrace": stacktrace,
            "exception.escaped": "False",
        },
    )
    span.set_attribute(A.ERROR_TYPE, type(exc).__qualname__)
    span.set_status(Status(_ERROR, message))


def set_usage_on(span: trace_api.Span, usage: TokenUsage) -> None:
    span.set_attributes(mapping.usage_attributes(usage))


def attach(span: trace_api.Span, parent: context_api.Context | None = None) -> object:
    """Make ``span`` current; returns the token for :func:`safe_detach`/``context.detach``."""
    return context_api.attach(trace_api.set_span_in_context(span, parent))


def start_span(rt: Runtime, name: str, attributes: Mapping[str, Any], start_time: int | None = None) -> trace_api.Span:
    """A child of the current span, or a new trace when there is none."""
    return rt.tracer.start_span(name, attributes=attributes, start_time=start_time)
