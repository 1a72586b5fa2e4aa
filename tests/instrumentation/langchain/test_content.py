"""LangChain messages, documents and prompt values inside recorded values: the one serializer,
with the instrumentation's converters registered, records them in their compact form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompt_values import ChatPromptValue

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry.messages import compact_message

KEYS = st.sampled_from(
    ["query", "api_key", "password", "max_tokens", "token", "messages", "content", "x"]
) | st.text(max_size=8)
STRINGS = st.sampled_from(
    ["", "short", "Bearer abcdefghijklmnopqrstuvwxyz", "sk-" + "a" * 40, "x" * 200]
) | st.text(max_size=40)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | STRINGS
)
MESSAGES = st.sampled_from(
    [
        HumanMessage("What is the capital of France?"),
        SystemMessage("You are terse."),
        AIMessage(
            "",
            tool_calls=[
                {"name": "lookup", "args": {"city": "Paris", "api_key": "sk-" + "b" * 30}, "id": "call_1"}
            ],
        ),
        ToolMessage("sunny", tool_call_id="call_1"),
        Document(page_content="Paris is the capital", metadata={"source": "atlas", "score": 0.5}, id="d1"),
        ChatPromptValue(messages=[SystemMessage("Be brief."), HumanMessage("Hi")]),
    ]
)
VALUES = st.recursive(
    SCALARS | MESSAGES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=25,
)


def _plain(value: Any) -> Any:
    """The compact form written out by hand (what the registered converters must give)."""
    if isinstance(value, Document):
        data: dict[str, Any] = {"page_content": value.page_content}
        if value.metadata:
            data["metadata"] = value.metadata
        if value.id is not None:
            data["id"] = value.id
        return data
    if isinstance(value, ChatPromptValue):
        return {"messages": [_plain(m) for m in value.messages]}
    if isinstance(value, BaseMessage):
        return compact_message(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(autouse=True)
def _converters() -> Any:
    _content.register_converters()
    yield
    _content.unregister_converters()


@settings(max_examples=300, deadline=None)
@given(VALUES, st.sampled_from([64, 20000]))
def test_langchain_objects_serialize_in_their_compact_form(value: Any, max_chars: int) -> None:
    serializer = Serializer(max_chars=max_chars)
    assert serializer.dumps(value, "input") == serializer.dumps(_plain(value), "input")


def test_message_fields_in_the_compact_form() -> None:
    call = {"name": "lookup", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    assert json.loads(Serializer().dumps([AIMessage("", tool_calls=[call]), ToolMessage("sunny", tool_call_id="call_1")])) == [
        {"type": "ai", "content": "", "tool_calls": [{"name": "lookup", "args": {"city": "Paris"}, "id": "call_1"}]},
        {"type": "tool", "content": "sunny", "tool_call_id": "call_1"},
    ]


def test_uninstrumented_serializer_dumps_messages_as_models() -> None:
    _content.unregister_converters()
    text = Serializer().dumps(HumanMessage("hi"))
    assert '"additional_kwargs"' in text  # the full pydantic dump
    _content.register_converters()
    assert json.loads(Serializer().dumps(HumanMessage("hi"))) == {"type": "human", "content": "hi"}


def test_a_redaction_hook_sees_the_compact_value() -> None:
    seen: list[tuple[Any, str]] = []

    def redact(value: Any, field: str) -> Any:
        seen.append((value, field))
        return {"redacted": True}

    serializer = Serializer(redact=redact)
    redacted = {"redacted": True}
    assert json.loads(serializer.dumps({"messages": [HumanMessage("secret plan")]}, "input")) == {
        "messages": [{"type": redacted, "content": redacted}]
    }
    # One call per string leaf of the compact form, with its path.
    assert seen == [("human", "input.messages.0.type"), ("secret plan", "input.messages.0.content")]
