"""Tool runs -> :class:`~fluxloop_otel.telemetry.ToolCall` records: name, description, arguments,
tool call id, result and artifact."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.instrumentation.langchain._content import run_fields
from fluxloop_otel.telemetry import ToolCall


def start_record(
    name: str,
    serialized: Mapping[str, Any] | None,
    input_str: str,
    kwargs: Mapping[str, Any],
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
) -> ToolCall:
    """The record of a tool run (its structured ``inputs`` when LangChain gives them)."""
    description = serialized.get("description") if serialized else None
    call_id = kwargs.get("tool_call_id")
    inputs = kwargs.get("inputs")
    fields = run_fields(tags, metadata)
    return ToolCall(
        name,
        description=description if isinstance(description, str) and description else None,
        tool_type="function",
        call_id=call_id if isinstance(call_id, str) and call_id else None,
        input=inputs if isinstance(inputs, dict) else input_str,
        tags=fields.tags,
        metadata=fields.metadata,
        session_id=fields.session_id,
        user_id=fields.user_id,
    )


def finish_record(record: ToolCall, output: Any) -> None:
    """Result, artifact, call id and a tool-reported failure of a tool run."""
    content = output
    if getattr(output, "type", None) == "tool":  # a ToolMessage (the tool was given a ToolCall)
        content = output.content
        artifact = getattr(output, "artifact", None)
        if getattr(output, "status", None) == "error":
            record.error_message = content if isinstance(content, str) else "tool call failed"
        call_id = getattr(output, "tool_call_id", None)
        if isinstance(call_id, str) and call_id:
            record.call_id = call_id
        if artifact is not None:
            record.artifact = artifact
    record.output = content
