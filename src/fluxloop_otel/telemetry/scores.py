"""Evaluation verdicts as GenAI ``gen_ai.evaluation.result`` events, on the span they judge.

:func:`record_score` is the one way a score reaches telemetry, from code (``fluxloop_otel.record_score``)
or from FluxLoop evaluation results (``fluxloop-otel scores``):

* without ids, the event goes on the current span (a running agent scoring itself, a test);
* with a ``trace_id`` (the FluxLoop trace UUID = the OTel trace id; an int, a UUID or 32 hex
  digits) the judged span has usually ended, perhaps in another process, and an ended span
  takes no events: the verdict becomes a zero-duration ``evaluation {name}`` span (FluxLoop
  type ``evaluation``, OpenInference ``EVALUATOR``) in that trace, child of ``span_id`` (default:
  the trace's root, as FluxLoop runs start it), carrying the same attributes and the event.
  Phoenix, Jaeger and Tempo then show the verdict inside the trace it judged.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from opentelemetry import trace as trace_api

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import trace_id_from_uuid, workflow_root_span_id

if TYPE_CHECKING:
    from fluxloop_otel.telemetry.emitter import Telemetry


def evaluation_attributes(
    name: str, value: float | None = None, label: str | None = None, explanation: str | None = None
) -> dict[str, Any]:
    """The ``gen_ai.evaluation.*`` attributes of one verdict."""
    attributes: dict[str, Any] = {A.GEN_AI_EVALUATION_NAME: str(name)}
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"a score value must be a number, got {value!r}")
        attributes[A.GEN_AI_EVALUATION_SCORE_VALUE] = float(value)
    if label is not None:
        attributes[A.GEN_AI_EVALUATION_SCORE_LABEL] = str(label)
    if explanation:
        attributes[A.GEN_AI_EVALUATION_EXPLANATION] = str(explanation)
    return attributes


def span_id_of(value: Any) -> int:
    """An OTel span id from an int, 16 hex digits or a FluxLoop observation UUID (whose last 16 digits are it)."""
    if isinstance(value, int):
        span_id = value
    else:
        text = str(value).strip().replace("-", "")
        span_id = int(text[-16:], 16) if len(text) in (16, 32) else -1
    if not 0 < span_id < (1 << 64):
        raise ValueError(f"not a valid span id: {value!r}")
    return span_id


def record_score(
    telemetry: "Telemetry",
    name: str,
    value: float | None = None,
    *,
    label: str | None = None,
    explanation: str | None = None,
    trace_id: "int | str | uuid.UUID | None" = None,
    span_id: "int | str | None" = None,
    attributes: dict[str, Any] | None = None,
) -> bool:
    """Emit one ``gen_ai.evaluation.result`` event; True when it was recorded on a span.

    ``attributes``: more attributes for the event (and the evaluation span), e.g. the run's iteration.
    """
    event = evaluation_attributes(name, value, label, explanation)
    if attributes:
        event.update(attributes)
    if trace_id is None and span_id is None:
        span = trace_api.get_current_span()
        if not span.is_recording():
            return False
        span.add_event(A.GEN_AI_EVALUATION_RESULT_EVENT, event)
        return True
    if trace_id is None:
        current = trace_api.get_current_span().get_span_context()
        if not current.is_valid:
            raise ValueError("record_score(span_id=...) needs a trace_id outside a span of that trace")
        judged_trace = current.trace_id
    else:
        judged_trace = trace_id_from_uuid(trace_id)
    judged_span = span_id_of(span_id) if span_id is not None else workflow_root_span_id(judged_trace)
    parent = trace_api.NonRecordingSpan(
        trace_api.SpanContext(judged_trace, judged_span, is_remote=True, trace_flags=trace_api.TraceFlags(trace_api.TraceFlags.SAMPLED))
    )
    span_attributes = {
        A.FLUXLOOP_OBSERVATION_TYPE: "evaluation",
        A.FLUXLOOP_OBSERVATION_NAME: str(name),
        A.OPENINFERENCE_SPAN_KIND: A.SPAN_KIND.EVALUATOR.value,
        A.FLUXLOOP_TRACE_EXTERNAL: True,  # a span of someone else's trace: never a FluxLoop trace line of its own
        **event,
        A.OUTPUT_VALUE: _verdict_text(value, label, explanation),
    }
    span = telemetry.tracer.start_span(f"evaluation {name}", context=trace_api.set_span_in_context(parent), attributes=span_attributes)
    recorded = span.is_recording()
    span.add_event(A.GEN_AI_EVALUATION_RESULT_EVENT, event)
    span.end(end_time=getattr(span, "start_time", None))
    return recorded


def _verdict_text(value: float | None, label: str | None, explanation: str | None) -> str:
    parts = []
    if label is not None:
        parts.append(str(label))
    if value is not None:
        parts.append(f"score {float(value):g}")
    text = ", ".join(parts) or "no score"
    return f"{text}: {explanation}" if explanation else text


__all__ = ["evaluation_attributes", "record_score", "span_id_of"]
