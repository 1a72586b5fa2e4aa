"""GenAI log events: one ``gen_ai.client.inference.operation.details`` event per model call.

When the content policy says ``events`` (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
``EVENT_ONLY`` or ``SPAN_AND_EVENT``), the emitter emits, as its model span ends, one event
through the OpenTelemetry **logs API** on the logger it was given (an instrumentor's
``logger_provider``, ``configure()``'s OTLP log pipeline, else the global logger provider).
The event is emitted in the span's context (its trace and span ids), and carries what the
GenAI spec lists for it: operation, provider, request parameters, request and response model,
response id, finish reasons, usage, error type, and the content: ``gen_ai.input.messages``,
``gen_ai.output.messages`` and ``gen_ai.system_instructions`` as structured values.

The content is the span's own, read once from its attributes (already capped, masked and
redacted by the serializer): nothing is serialized twice.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import trace as trace_api
from opentelemetry._logs import Logger, LogRecord

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import jsontext as _json

#: The event's name (GenAI semantic conventions).
OPERATION_DETAILS = "gen_ai.client.inference.operation.details"

#: Content attributes: JSON text on spans, structured values on the event.
_CONTENT_KEYS = (A.GEN_AI_INPUT_MESSAGES, A.GEN_AI_OUTPUT_MESSAGES, "gen_ai.system_instructions", "gen_ai.tool.definitions")
#: Other span attributes the event repeats (prefixes and exact keys).
_PREFIXES = ("gen_ai.request.", "gen_ai.response.", "gen_ai.usage.")
_KEYS = (A.GEN_AI_OPERATION_NAME, A.GEN_AI_PROVIDER_NAME, A.GEN_AI_CONVERSATION_ID, A.ERROR_TYPE, "server.address", "server.port")


def _structured(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return _json.loads(text)
    except ValueError:
        return text


def operation_details(span_attributes: Mapping[str, Any], with_content: bool) -> dict[str, Any]:
    """The event attributes from a finished model span's attributes."""
    attributes: dict[str, Any] = {}
    for key, value in span_attributes.items():
        if key in _KEYS or key.startswith(_PREFIXES):
            attributes[key] = value
    if with_content:
        for key in _CONTENT_KEYS:
            value = span_attributes.get(key)
            if value is not None:
                attributes[key] = _structured(value)
    attributes.setdefault(A.GEN_AI_OPERATION_NAME, A.OPERATION.CHAT.value)
    return attributes


def emit_operation_details(logger: Logger, span: trace_api.Span, with_content: bool = True) -> None:
    """Emit the event of ``span`` (a recording SDK span, before it ends) on ``logger``."""
    span_attributes = getattr(span, "attributes", None)
    if not span_attributes or not span.is_recording():
        return
    logger.emit(
        LogRecord(
            event_name=OPERATION_DETAILS,
            attributes=operation_details(span_attributes, with_content),
            context=trace_api.set_span_in_context(span),
        )
    )


__all__ = ["OPERATION_DETAILS", "emit_operation_details", "operation_details"]
