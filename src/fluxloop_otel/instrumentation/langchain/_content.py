"""What every LangChain run shares (user tags and metadata, session and user ids), and how
LangChain objects inside recorded values are serialized.

Messages, documents and prompt values are registered with the serializer as converters
(:func:`register_converters`): the one serializer then records them in their compact form
(:func:`fluxloop_otel.telemetry.messages.compact_message`) instead of a full pydantic dump.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from fluxloop_otel.serialization import register_converter, unregister_converter
from fluxloop_otel.telemetry.messages import compact_message

#: Tags LangChain and LangGraph add for their own bookkeeping.
_INTERNAL_TAG_PREFIXES = ("seq:step:", "graph:step:", "langsmith:", "map:key:", "branch:", "condition:")
#: Metadata LangChain and LangGraph add for their own bookkeeping.
_INTERNAL_METADATA_PREFIXES = ("langgraph_", "ls_", "checkpoint_", "__", "lc_")
_SESSION_KEYS = ("thread_id", "session_id", "conversation_id")
_USER_KEYS = ("user_id",)
_NOT_USER_METADATA = frozenset(_SESSION_KEYS + _USER_KEYS + ("run_attempt", "checkpoint_ns"))


class RunFields(NamedTuple):
    """The record fields every run kind fills from LangChain's tags and metadata."""

    tags: list[str] | None
    metadata: dict[str, Any] | None
    session_id: str | None
    user_id: str | None


_NO_FIELDS = RunFields(None, None, None, None)


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
    internal = type(key) is not str or key in _NOT_USER_METADATA or key.startswith(_INTERNAL_METADATA_PREFIXES)
    if len(_internal_keys) < 4096:
        _internal_keys[key] = internal
    return internal


def run_fields(tags: Sequence[str] | None, metadata: Mapping[str, Any] | None) -> RunFields:
    """User tags, user metadata, session and user ids of a run."""
    kept = user_tags(tags) if tags else None
    if not metadata:
        return RunFields(kept or None, None, None, None) if kept else _NO_FIELDS
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
    session = user_id = None
    if len(user or ()) < len(metadata):  # some key was internal: maybe a session or user id
        session = session_id(metadata)
        value = metadata.get("user_id")
        if isinstance(value, (str, int)):
            user_id = str(value)
    return RunFields(kept or None, user, session, user_id)


# -- LangChain objects inside recorded values -------------------------------------------------------
def _document(document: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"page_content": document.page_content}
    if document.metadata:
        data["metadata"] = document.metadata
    if document.id is not None:
        data["id"] = document.id
    return data


def _prompt_value(value: Any) -> Any:
    messages = getattr(value, "messages", None)
    if messages is not None:
        return {"messages": list(messages)}
    return value.to_string()


def _command(command: Any) -> dict[str, Any]:
    """A LangGraph ``Command`` as the fields it sets (its messages then convert compactly)."""
    data: dict[str, Any] = {}
    for name in ("goto", "update", "resume", "graph"):
        value = getattr(command, name, None)
        if value is not None and value != () and value != []:
            data[name] = value
    return data


def _converters() -> list[tuple[type, Any]]:
    from langchain_core.documents import Document
    from langchain_core.messages import BaseMessage
    from langchain_core.prompt_values import PromptValue

    converters: list[tuple[type, Any]] = [(BaseMessage, compact_message), (Document, _document), (PromptValue, _prompt_value)]
    try:
        from langgraph.types import Command
    except ImportError:  # LangGraph is optional
        return converters
    return converters + [(Command, _command)]


def register_converters() -> None:
    """Record LangChain messages, documents and prompt values compactly wherever they appear."""
    for cls, convert in _converters():
        register_converter(cls, convert)


def unregister_converters() -> None:
    for cls, _ in _converters():
        unregister_converter(cls)
