"""LangChain values as span content, and the attributes every run shares (tags, metadata, session).

Messages, documents and prompt values become small plain dicts before serialization: the
serializer then walks a few keys instead of a full pydantic dump.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.prompt_values import PromptValue

from fluxloop_otel import _json
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import TypeSpec
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.serialization.redaction import MASK, MIN_SECRET_VALUE_LENGTH
from fluxloop_otel.serialization.serializer import MAX_DEPTH, MAX_ITEMS

_SCALARS = (str, int, float, bool, type(None))

#: Tags LangChain and LangGraph add for their own bookkeeping.
_INTERNAL_TAG_PREFIXES = ("seq:step:", "graph:step:", "langsmith:", "map:key:", "branch:", "condition:")
#: Metadata LangChain and LangGraph add for their own bookkeeping.
_INTERNAL_METADATA_PREFIXES = ("langgraph_", "ls_", "checkpoint_", "__", "lc_")
_SESSION_KEYS = ("thread_id", "session_id", "conversation_id")
_USER_KEYS = ("user_id",)
_NOT_USER_METADATA = frozenset(_SESSION_KEYS + _USER_KEYS + ("run_attempt", "checkpoint_ns"))


_static: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


def static_attributes(spec: TypeSpec, name: str) -> tuple[str, dict[str, Any]]:
    """The span name (without detail) and a fresh copy of ``spec.static_attributes(name)``,
    built once per type and name."""
    key = (spec.type.value, name)
    cached = _static.get(key)
    if cached is None:
        if len(_static) >= 4096:  # run names are few; this only bounds pathological ones
            _static.clear()
        cached = _static[key] = (spec.span_name(name, None), spec.static_attributes(name))
    return cached[0], dict(cached[1])


def message_dict(message: BaseMessage) -> dict[str, Any]:
    """A LangChain message as ``{type, content, [name, tool_calls, tool_call_id]}``."""
    # Only attributes the message class has: a missing one costs pydantic an exception.
    data: dict[str, Any] = {"type": message.type, "content": message.content}
    if message.name:
        data["name"] = message.name
    if isinstance(message, AIMessage):
        if message.tool_calls:
            data["tool_calls"] = [
                {"name": c.get("name"), "args": c.get("args"), "id": c.get("id")} for c in message.tool_calls
            ]
    elif isinstance(message, ToolMessage):
        data["tool_call_id"] = message.tool_call_id
    return data


def document_dict(document: Document) -> dict[str, Any]:
    data: dict[str, Any] = {"page_content": document.page_content}
    if document.metadata:
        data["metadata"] = document.metadata
    if document.id is not None:
        data["id"] = document.id
    return data


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` with LangChain objects replaced by plain dicts; other values left to the serializer."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    if depth >= MAX_DEPTH:
        return value
    if cls is dict:
        return {key: plain(item, depth + 1) for key, item in value.items()}
    if cls is list or cls is tuple:
        return [plain(item, depth + 1) for item in value]
    converted = _langchain_object(value)
    return value if converted is None else plain(converted, depth + 1)


def _langchain_object(value: Any) -> Any:
    """A message, document or prompt value as plain data; None for anything else."""
    if isinstance(value, BaseMessage):
        return message_dict(value)
    if isinstance(value, Document):
        return document_dict(value)
    if isinstance(value, PromptValue):
        messages = getattr(value, "messages", None)
        if messages is not None:
            return {"messages": [message_dict(m) for m in messages]}
        return value.to_string()
    return None


class _NotPlain(Exception):
    """Raised by :class:`_PlainEncoder` for values only the full serializer handles."""


class _PlainEncoder:
    """One walk from plain data (and LangChain messages, documents, prompt values) to a
    JSON-compatible copy, masked and capped exactly as ``Serializer.to_jsonable`` would.

    Anything else (other objects, non-string keys, limits reached, a redaction hook) raises
    :class:`_NotPlain` and the value goes through the full serializer instead.
    ``tests/langchain/test_content.py`` checks the two agree.
    """

    __slots__ = ("serializer", "_text", "_is_secret")

    def __init__(self, serializer: Serializer) -> None:
        self.serializer = serializer
        self._text = serializer.text
        self._is_secret = serializer.masker.is_secret_key

    def convert(self, value: Any, depth: int) -> Any:
        cls = type(value)
        if cls is str:
            return value if len(value) < MIN_SECRET_VALUE_LENGTH else self._text(value)
        if cls is int or cls is bool or value is None:
            return value
        if cls is float:
            return value if math.isfinite(value) else str(value)
        if depth >= MAX_DEPTH - 1:
            raise _NotPlain
        if cls is dict:
            if len(value) > MAX_ITEMS:
                raise _NotPlain
            out: dict[str, Any] = {}
            is_secret = self._is_secret
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotPlain
                out[key] = MASK if is_secret(key) else self.convert(item, depth + 1)
            return out
        if cls is list or cls is tuple:
            if len(value) > MAX_ITEMS:
                raise _NotPlain
            return [self.convert(item, depth + 1) for item in value]
        converted = _langchain_object(value)
        if converted is None:
            raise _NotPlain
        return self.convert(converted, depth)


def _is_flat(value: dict[Any, Any], is_secret: Any) -> bool:
    """The common case: string keys (none secret) to short strings and numbers."""
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str or is_secret(key):
            return False
        if kind is str:
            if len(item) >= MIN_SECRET_VALUE_LENGTH:
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif not (kind is int or kind is bool or item is None):
            return False
    return True


_last_encoder: _PlainEncoder | None = None


def _encoder_for(serializer: Serializer) -> _PlainEncoder:
    global _last_encoder
    encoder = _last_encoder
    if encoder is None or encoder.serializer is not serializer:  # a new configure() made a new serializer
        encoder = _last_encoder = _PlainEncoder(serializer)
    return encoder


def dumps(value: Any, serializer: Serializer, field: str) -> str:
    """``serializer.dumps(plain(value), field)``, in one walk when the value is plain data."""
    if serializer.redact_hook is None:
        if type(value) is dict and len(value) <= 32 and _is_flat(value, serializer.masker.is_secret_key):
            text = _json.dumps(value)
            return text if len(text) <= serializer.max_chars else serializer.encode(value)
        try:
            return serializer.encode(_encoder_for(serializer).convert(value, 0))
        except _NotPlain:
            pass
    return serializer.dumps(plain(value), field)


def encode(value: Any, serializer: Serializer, field: str) -> tuple[str, str | None]:
    """Attribute text for a value and its mime type (``None`` = text/plain)."""
    if isinstance(value, str):  # LangChain returns str subclasses (TextAccessor)
        return serializer.text(value if type(value) is str else str.__str__(value)), None
    return dumps(value, serializer, field), A.MIME_JSON


def user_tags(tags: Sequence[str] | None) -> list[str]:
    if not tags:
        return []
    return [tag for tag in tags if isinstance(tag, str) and not tag.startswith(_INTERNAL_TAG_PREFIXES)]


def session_id(metadata: Mapping[str, Any] | None) -> str | None:
    """The LangGraph ``thread_id`` (or a ``session_id``) carried in run metadata."""
    if not metadata:
        return None
    for key in _SESSION_KEYS:
        value = metadata.get(key)
        if value is not None and isinstance(value, (str, int)):
            return str(value)
    return None


_internal_keys: dict[Any, bool] = {}


def _is_internal_key(key: Any) -> bool:
    """Whether a metadata key is LangChain / LangGraph bookkeeping (cached: keys repeat)."""
    internal = (
        type(key) is not str or key in _NOT_USER_METADATA or key.startswith(_INTERNAL_METADATA_PREFIXES)
    )
    if len(_internal_keys) < 4096:
        _internal_keys[key] = internal
    return internal


def shared_attributes(
    tags: Sequence[str] | None, metadata: Mapping[str, Any] | None, serializer: Serializer
) -> dict[str, Any]:
    """Tags, user metadata, session and user ids of a run (what every span kind records)."""
    attributes: dict[str, Any] = {}
    if tags:
        kept = user_tags(tags)
        if kept:
            attributes[A.TAG_TAGS] = kept
    if not metadata:
        return attributes
    user: dict[str, Any] | None = None
    for key, value in metadata.items():
        internal = _internal_keys.get(key)
        if internal is None:
            internal = _is_internal_key(key)
        if internal:
            continue
        if user is None:
            user = {}
        user[key] = value
    if user:
        attributes[A.METADATA] = dumps(user, serializer, "metadata")
    if len(user or ()) < len(metadata):  # some key was internal: maybe a session or user id
        for key in _SESSION_KEYS:
            session = metadata.get(key)
            if session is not None and isinstance(session, (str, int)):
                attributes[A.SESSION_ID] = str(session)
                break
        user_id = metadata.get("user_id")
        if isinstance(user_id, (str, int)):
            attributes[A.USER_ID] = str(user_id)
    return attributes
