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

from collections.abc import Mapping
from typing import Any, Callable, Sequence

from fluxloop_otel.telemetry.access import get, getter

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

def _role(message: Any, read: Callable[[str], Any] | None = None) -> str:
    """The GenAI role of a message (``read``: its field reader, when the caller has one)."""
    read = read or getter(message, _ROLE_KEYS)
    role = read("role")
    if isinstance(role, str) and role:
        return role
    kind = read("type")
    if isinstance(kind, str):
        return ROLES.get(kind, kind)
    return "user"


_ROLE_KEYS = ("role", "type")


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts: list[dict[str, Any]] = []
    if isinstance(content, (list, tuple)):
        for block in content:
            if isinstance(block, str):
                parts.append({"type": "text", "content": block})
                continue
            text = get(block, "text")
            if isinstance(text, str) and get(block, "type") in (None, "text"):
                parts.append({"type": "text", "content": text})
                continue
            part = media_part(block)
            if part is not None:
                parts.append(part)
            elif isinstance(text, str):
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


_GENAI_KEYS = ("content", "tool_call_id", "tool_calls", "role", "type")


def genai_message(message: Any) -> dict[str, Any]:
    """One message in the GenAI ``{"role", "parts"}`` shape."""
    if isinstance(message, str):
        return {"role": "user", "parts": [{"type": "text", "content": message}]}
    read = getter(message, _GENAI_KEYS)
    content = read("content")
    tool_call_id = read("tool_call_id")
    if tool_call_id:
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": tool_call_id, "response": content}]}
    parts = _text_parts(content)
    calls = read("tool_calls")
    if calls and isinstance(calls, (list, tuple)):
        parts.extend(tool_call_part(call) for call in calls)
    return {"role": _role(message, read), "parts": parts}


def genai_messages(messages: Any) -> list[dict[str, Any]]:
    """A message list (or one prompt string) in the GenAI shape."""
    if isinstance(messages, str):
        return [genai_message(messages)]
    return [genai_message(message) for message in messages]


def split_system(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """GenAI messages -> (``gen_ai.system_instructions`` parts, the other messages).

    System (and developer) messages are instructions, not conversation: the GenAI
    convention records them apart from ``gen_ai.input.messages``.
    """
    system: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for message in messages:
        if message.get("role") == "system":
            system.extend(message.get("parts") or ())
        else:
            rest.append(message)
    return system, rest


# -- multimodal parts ---------------------------------------------------------------------------------
_MODALITIES = {"image": "image", "image_url": "image", "input_image": "image", "audio": "audio", "input_audio": "audio",
               "video": "video", "file": "file", "input_file": "file", "document": "file"}


def _modality(kind: str, mime_type: Any) -> str:
    if isinstance(mime_type, str) and "/" in mime_type:
        major = mime_type.split("/", 1)[0]
        if major in ("image", "audio", "video"):
            return major
    return _MODALITIES.get(kind, "file")


def _data_url(url: str) -> tuple[str | None, str] | None:
    """``data:<mime>;base64,<data>`` -> (mime, base64 data); None for other URLs."""
    if not url.startswith("data:"):
        return None
    header, _, data = url.partition(",")
    mime = header[5:].split(";", 1)[0] or None
    return mime, data


def media_part(block: Any) -> dict[str, Any] | None:
    """An image, audio or file content block as a GenAI ``blob``, ``uri`` or ``file`` part.

    Reads OpenAI chat blocks (``image_url``, ``input_audio``, ``file``), Anthropic's
    ``{"type": "image", "source": {...}}`` and LangChain's v1 standard blocks (``image``,
    ``audio``, ``file`` with ``base64``/``url``/``file_id`` and ``mime_type``). Blob contents
    stay base64 text here; the serializer's cap and the upload hook decide what is exported.
    """
    kind = get(block, "type")
    if not isinstance(kind, str) or kind not in _MODALITIES:
        return None
    mime = get(block, "mime_type") or get(block, "media_type")
    # OpenAI: {"type": "image_url", "image_url": {"url": ...}} (or the url as a string)
    nested = get(block, kind) if kind in ("image_url", "input_audio", "file") else None
    source = get(block, "source")  # Anthropic
    url = get(block, "url")
    data = get(block, "base64") or get(block, "data")
    file_id = get(block, "file_id")
    if isinstance(nested, str):
        url = nested
    elif nested is not None:
        url = url or get(nested, "url")
        data = data or get(nested, "data") or get(nested, "file_data")
        file_id = file_id or get(nested, "file_id")
        fmt = get(nested, "format")
        if mime is None and isinstance(fmt, str):
            mime = f"audio/{fmt}" if kind == "input_audio" else None
    if source is not None and not isinstance(source, str):
        if get(source, "type") == "url":
            url = url or get(source, "url")
        else:
            data = data or get(source, "data")
        mime = mime or get(source, "media_type")
        file_id = file_id or get(source, "file_id")
    if isinstance(url, str) and url:
        parsed = _data_url(url)
        if parsed is not None:
            mime, data = mime or parsed[0], parsed[1]
            url = None
    if isinstance(data, str) and data and data.startswith("data:"):
        parsed = _data_url(data)
        if parsed is not None:
            mime, data = mime or parsed[0], parsed[1]
    modality = _modality(kind, mime)
    part: dict[str, Any]
    if isinstance(data, (str, bytes)) and data:
        part = {"type": "blob", "modality": modality, "content": data if isinstance(data, str) else _b64(data)}
    elif isinstance(url, str) and url:
        part = {"type": "uri", "modality": modality, "uri": url}
    elif isinstance(file_id, str) and file_id:
        part = {"type": "file", "modality": modality, "file_id": file_id}
    else:
        return None
    if isinstance(mime, str) and mime:
        part["mime_type"] = mime
    return part


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def output_message(message: Any, finish_reason: str | None) -> dict[str, Any]:
    """An assistant reply in the GenAI output shape (with ``finish_reason``)."""
    rendered = genai_message(message)
    rendered["role"] = "assistant"
    rendered["finish_reason"] = finish_reason or ("tool_call" if tool_calls(message) else "stop")
    return rendered


_COMPACT_KEYS = ("type", "content", "name", "tool_calls", "tool_call_id")


def compact_message(message: Any) -> dict[str, Any]:
    """A message inside another value: ``{"type", "content", [name, tool_calls, tool_call_id]}``."""
    read = getter(message, _COMPACT_KEYS)
    data: dict[str, Any] = {"type": read("type"), "content": read("content")}
    name = read("name")
    if name:
        data["name"] = name
    calls = read("tool_calls")
    if calls and isinstance(calls, (list, tuple)):
        data["tool_calls"] = [{"name": get(c, "name"), "args": get(c, "args"), "id": get(c, "id")} for c in calls]
    tool_call_id = read("tool_call_id")
    if tool_call_id:
        data["tool_call_id"] = tool_call_id
    return data


# -- conversation state (a LangGraph ``{"messages": [...]}`` state, an agent's input) -----------------
def conversation(value: Any) -> Sequence[Any] | None:
    """The message list of a conversation state (a mapping with ``messages``), else None."""
    if isinstance(value, Mapping):
        messages = value.get("messages")
        if isinstance(messages, (list, tuple)) and messages:
            return messages
    return None


def message_text(message: Any) -> str | None:
    """The text of a message (its string content, or its text blocks joined)."""
    if isinstance(message, str):
        return message
    content = get(message, "content")
    if isinstance(content, str):
        return content
    texts = [part["content"] for part in _text_parts(content) if part.get("type") == "text"]
    return "\n".join(texts) if texts else None


def last_user_text(value: Any) -> str | None:
    """The text of the last user message of a conversation state (what the user asked)."""
    messages = conversation(value)
    for message in reversed(messages or ()):
        if not isinstance(message, str) and _role(message) == "user" and not get(message, "tool_call_id"):
            return message_text(message)
    return None


def final_answer_text(value: Any) -> str | None:
    """The final answer of a conversation state: its last message, when an assistant reply with text."""
    messages = conversation(value)
    if not messages:
        return None
    last = messages[-1]
    if isinstance(last, str) or _role(last) != "assistant" or tool_calls(last):
        return None
    text = message_text(last)
    return text or None


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
