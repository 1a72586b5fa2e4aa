"""Tool runs -> ``tool`` spans: name, description, arguments, tool call id, result and artifact."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for
from fluxloop_otel.serialization import Serializer

_SPEC = spec_for(ObservationType.TOOL)


def start_attributes(
    name: str,
    serialized: Mapping[str, Any] | None,
    input_str: str,
    kwargs: Mapping[str, Any],
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    serializer: Serializer,
    capture: bool,
) -> tuple[str, dict[str, Any]]:
    """Span name and start attributes of a tool run."""
    span_name, attributes = _content.static_attributes(_SPEC, name)
    attributes[A.GEN_AI_TOOL_TYPE] = "function"
    description = serialized.get("description") if serialized else None
    if isinstance(description, str) and description:
        attributes[A.GEN_AI_TOOL_DESCRIPTION] = description
        attributes[A.TOOL_DESCRIPTION] = description
    call_id = kwargs.get("tool_call_id")
    if isinstance(call_id, str) and call_id:
        attributes[A.GEN_AI_TOOL_CALL_ID] = call_id
    attributes.update(_content.shared_attributes(tags, metadata, serializer))
    if capture:
        inputs = kwargs.get("inputs")
        if isinstance(inputs, dict):
            text, mime = _content.encode(inputs, serializer, "input")
        else:
            text, mime = _content.encode(input_str, serializer, "input")
        attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = text
        attributes[A.INPUT_VALUE] = text
        if mime is not None:
            attributes[A.INPUT_MIME_TYPE] = mime
    return span_name, attributes


def end_attributes(output: Any, serializer: Serializer, capture: bool) -> tuple[dict[str, Any], str | None]:
    """Result attributes, and an error message when the tool reported a failed call."""
    attributes: dict[str, Any] = {}
    error = None
    content = output
    artifact = None
    if getattr(output, "type", None) == "tool":  # a ToolMessage (the tool was given a ToolCall)
        content = output.content
        artifact = getattr(output, "artifact", None)
        if getattr(output, "status", None) == "error":
            error = content if isinstance(content, str) else "tool call failed"
        call_id = getattr(output, "tool_call_id", None)
        if isinstance(call_id, str) and call_id:
            attributes[A.GEN_AI_TOOL_CALL_ID] = call_id
    if capture:
        result, mime = _content.encode(content, serializer, "output")
        attributes[A.GEN_AI_TOOL_CALL_RESULT] = result
        if artifact is not None:
            attributes[A.OUTPUT_VALUE] = _content.dumps(
                {"content": content, "artifact": artifact}, serializer, "output"
            )
            attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
        else:
            attributes[A.OUTPUT_VALUE] = result
            if mime is not None:
                attributes[A.OUTPUT_MIME_TYPE] = mime
    return attributes, error
