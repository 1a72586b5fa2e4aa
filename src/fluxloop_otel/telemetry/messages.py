"""Chat messages and tool calls: the one place that reads them.

Every message shape an entry point meets is read here: strings, OpenAI-style dicts and SDK
objects (``role``/``content``/``tool_calls``/``tool_call_id``), LangChain messages and their
dict form (``type``/``content``). Two renderings come out of one reading:

* :func:`genai_message`: the GenAI ``{"role", "parts"}`` shape of ``gen_ai.input.messages`` /
  ``gen_ai.output.messages``;
* :func:`compact_message`: the small ``{"type", "content", ...}`` dict used when a message sits
  inside some other recorded value (a chain's input, a graph state).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.telemetry.access import get

#: LangChain message types -> GenAI roles.
ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
    "AIMessageChunk": "assistant",
}

def _role(message: Any) -> str:
    role = get(message, "role")
    if isinstance(role, str) and role:
        return role
    kind = get(message, "type")
    if isinstance(kind, str):
        return ROLES.get(kind, kind)
    return "user"


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts: list[dict[str, Any]] = []
    if isinstance(content, (list, tuple)):
        for block in content:
            text = block if isinstance(block, str) else get(block, "text")
            if isinstance(text, str):
                parts.append({"type": "text", "content": text})
    return parts


def tool_call_part(call: Any) -> dict[str, Any]:
    """A tool call (LangChain ``{"name","args","id"}`` or OpenAI ``{"id","function":{...}}``) as a GenAI part."""
    function = get(call, "function")
    arguments = get(call, "args")
    if arguments is None and function is not None:
        arguments = get(function, "arguments")
    return {
        "type": "tool_call",
        "id": get(call, "id"),
        "name": get(call, "name") or (get(function, "name") if function is not None else None),
        "arguments": arguments,
    }


def tool_calls(message: Any) -> Sequence[Any]:
    """The tool calls a message requests (empty when none)."""
    calls = get(message, "tool_calls")
    return calls if isinstance(calls, (list, tuple)) else ()


def genai_message(message: Any) -> dict[str, Any]:
    """One message in the GenAI ``{"role", "parts"}`` shape."""
    if isinstance(message, str):
        return {"role": "user", "parts": [{"type": "text", "content": message}]}
    content = get(message, "content")
    tool_call_id = get(message, "tool_call_id")
    if tool_call_id:
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": tool_call_id, "response": content}]}
    parts = _text_parts(content)
    for call in tool_calls(message):
        parts.append(tool_call_part(call))
    return {"role": _role(message), "parts": parts}


def genai_messages(messages: Any) -> list[dict[str, Any]]:
    """A message list (or one prompt string) in the GenAI shape."""
    if isinstance(messages, str):
        return [genai_message(messages)]
    return [genai_message(message) for message in messages]


def output_message(message: Any, finish_reason: str | None) -> dict[str, Any]:
    """An assistant reply in the GenAI output shape (with ``finish_reason``)."""
    rendered = genai_message(message)
    rendered["role"] = "assistant"
    rendered["finish_reason"] = finish_reason or ("tool_call" if tool_calls(message) else "stop")
    return rendered


def compact_message(message: Any) -> dict[str, Any]:
    """A message inside another value: ``{"type", "content", [name, tool_calls, tool_call_id]}``."""
    data: dict[str, Any] = {"type": get(message, "type"), "content": get(message, "content")}
    name = get(message, "name")
    if name:
        data["name"] = name
    calls = tool_calls(message)
    if calls:
        data["tool_calls"] = [{"name": get(c, "name"), "args": get(c, "args"), "id": get(c, "id")} for c in calls]
    tool_call_id = get(message, "tool_call_id")
    if tool_call_id:
        data["tool_call_id"] = tool_call_id
    return data


def reply_text(result: Any) -> str | None:
    """The text of a model reply: a string, ``text``/``content``/``output``, or OpenAI ``choices[0]``."""
    if isinstance(result, str):
        return result
    for key in ("text", "content", "output"):
        value = get(result, key)
        if isinstance(value, str):
            return value
    choices = get(result, "choices")
    if isinstance(choices, (list, tuple)) and choices:
        message = get(choices[0], "message")
        value = get(message, "content") if message is not None else get(choices[0], "text")
        if isinstance(value, str):
            return value
    return None


def finish_reason(result: Any) -> str | None:
    """``finish_reason`` of a reply (top level, OpenAI ``choices[0]``, or LangChain response metadata)."""
    if result is None or isinstance(result, (str, int, float, bool, list, tuple)):
        return None
    reason = get(result, "finish_reason")
    if not isinstance(reason, str):
        choices = get(result, "choices")
        if isinstance(choices, (list, tuple)) and choices:
            reason = get(choices[0], "finish_reason")
    if not isinstance(reason, str):
        metadata = get(result, "response_metadata")
        if isinstance(metadata, Mapping):
            reason = metadata.get("finish_reason") or metadata.get("stop_reason")
    return reason if isinstance(reason, str) else None


#: Message ids LangChain makes up itself (not the provider's response id).
_INTERNAL_IDS = ("lc_run-", "run-", "lc_")


def response_id(result: Any) -> str | None:
    """The provider's response id: ``response_metadata["id"]``, else a non-LangChain ``id``."""
    metadata = get(result, "response_metadata")
    if isinstance(metadata, Mapping):
        value = metadata.get("id")
        if isinstance(value, str) and value:
            return value
    value = get(result, "id")
    if isinstance(value, str) and value and not value.startswith(_INTERNAL_IDS):
        return value
    return None
