"""How an agent looks where users look: the root shows the question and the answer as text, the
Metadata card (OpenInference ``metadata``) holds thread, node, step and agent name; the JSONL keeps the state."""

from __future__ import annotations

import json

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from fluxloop_otel.semconv import attributes as A


def _graph():
    model = GenericFakeChatModel(messages=iter([AIMessage("2 + 2 = 4.")]))

    def chat(state: MessagesState) -> dict:
        return {"messages": [model.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chat", chat)
    builder.add_edge(START, "chat")
    builder.add_edge("chat", END)
    return builder.compile(name="math_agent")


def test_agent_root_shows_question_and_answer_as_text(tracing) -> None:
    result = _graph().invoke({"messages": [HumanMessage("What is 2+2?")]}, config={"configurable": {"thread_id": "t-1"}})
    assert result["messages"][-1].content == "2 + 2 = 4."
    agent = tracing.span("invoke_agent math_agent").attributes
    assert agent[A.INPUT_VALUE] == "What is 2+2?" and agent[A.INPUT_MIME_TYPE] == "text/plain"
    assert agent[A.OUTPUT_VALUE] == "2 + 2 = 4." and agent[A.OUTPUT_MIME_TYPE] == "text/plain"
    assert json.loads(agent[A.METADATA]) == {"agent_name": "math_agent", "thread_id": "t-1"}
    node = tracing.span("chat").attributes
    assert json.loads(node[A.METADATA]) == {"langgraph_node": "chat", "langgraph_step": 1, "thread_id": "t-1"}
    record = tracing.observation("math_agent")  # the JSONL keeps the whole state
    assert [m["content"] for m in record["input"]["messages"]] == ["What is 2+2?"]
    assert [m["content"] for m in record["output"]["messages"]] == ["What is 2+2?", "2 + 2 = 4."]
    assert record["metadata"]["thread_id"] == "t-1"


def test_non_conversation_state_stays_json(tracing) -> None:
    from typing import TypedDict

    class State(TypedDict):
        n: int

    builder = StateGraph(State)
    builder.add_node("inc", lambda state: {"n": state["n"] + 1})
    builder.add_edge(START, "inc")
    builder.add_edge("inc", END)
    builder.compile(name="counter").invoke({"n": 1})
    agent = tracing.span("invoke_agent counter").attributes
    assert json.loads(agent[A.INPUT_VALUE]) == {"n": 1} and agent[A.INPUT_MIME_TYPE] == "application/json"
    assert A.FLUXLOOP_INPUT_STATE not in agent
