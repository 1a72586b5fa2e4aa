"""The one-walk encoder of LangChain content gives exactly what the full serializer gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompt_values import ChatPromptValue

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.serialization import Serializer

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


@settings(max_examples=300, deadline=None)
@given(VALUES, st.sampled_from([64, 20000]))
def test_plain_encoder_matches_the_serializer(value: Any, max_chars: int) -> None:
    serializer = Serializer(max_chars=max_chars)
    assert _content.dumps(value, serializer, "input") == serializer.dumps(_content.plain(value), "input")


def test_deep_and_foreign_values_fall_back_to_the_serializer() -> None:
    serializer = Serializer()
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"k": deep}
    assert _content.dumps(deep, serializer, "input") == serializer.dumps(deep, "input")
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    assert _content.dumps(cyclic, serializer, "input") == serializer.dumps(_content.plain(cyclic), "input")
    assert _content.dumps({1: "int key", "s": {1, 2}}, serializer, "input") == serializer.dumps(
        {1: "int key", "s": {1, 2}}, "input"
    )


def test_a_redaction_hook_sees_the_whole_value() -> None:
    seen: list[tuple[Any, str]] = []

    def redact(value: Any, field: str) -> Any:
        seen.append((value, field))
        return {"redacted": True}

    serializer = Serializer(redact=redact)
    assert (
        _content.dumps({"messages": [HumanMessage("secret plan")]}, serializer, "input")
        == '{"redacted":true}'
    )
    assert seen == [({"messages": [{"type": "human", "content": "secret plan"}]}, "input")]
