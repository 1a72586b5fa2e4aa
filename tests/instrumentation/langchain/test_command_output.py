"""LangGraph ``Command`` values are recorded as the fields they set, their messages in the compact
form (``{"type", "content", ...}``), wherever they appear: a node's output, a tool's result."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command

from fluxloop_otel.serialization import Serializer


def test_command_serializes_compactly(tracing: Any) -> None:
    command = Command(goto="next", update={"messages": [AIMessage("hi", id="run-1", response_metadata={"model_name": "m"})]})
    assert json.loads(Serializer().dumps(command)) == {"goto": "next", "update": {"messages": [{"type": "ai", "content": "hi"}]}}


def test_a_node_returning_a_command_is_recorded_compactly(tracing: Any) -> None:
    def route(state: MessagesState) -> Command[Any]:
        return Command(goto="answer", update={"messages": [ToolMessage("sunny", tool_call_id="call_1")]})

    def answer(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("It is sunny.")]}

    graph = StateGraph(MessagesState)
    graph.add_node("route", route)
    graph.add_node("answer", answer)
    graph.add_edge(START, "route")
    graph.add_edge("answer", END)
    graph.compile(name="router").invoke({"messages": [("user", "weather?")]})
    (route_record,) = [r for r in tracing.observations() if r["name"] == "route"]
    assert route_record["output"] == {
        "goto": "answer",
        "update": {"messages": [{"type": "tool", "content": "sunny", "tool_call_id": "call_1"}]},
    }
