"""Handoffs and fan-out: ``Command(goto=...)`` (and ``Command.PARENT``) record their target as
``langgraph.command.goto``; ``Send`` fan-out shows as parallel node spans."""

from __future__ import annotations

import asyncio
import operator
import time
from typing import Annotated, Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command, Send
from opentelemetry.trace import StatusCode
from typing_extensions import TypedDict

from fluxloop_otel.semconv import attributes as A

from support.lg_fakes import ScriptedModel
from support.lg_support import MODES, run
from support.spans import named, parent_of


class State(TypedDict):
    items: list[str]
    done: Annotated[list[str], operator.add]


def finish(state: State) -> dict[str, Any]:
    return {"done": ["finish"]}


@pytest.mark.parametrize("mode", MODES)
def test_command_goto_a_node_and_a_list(tracing: Any, mode: str) -> None:
    def route(state: State) -> Command:
        return Command(goto="finish", update={"done": ["route"]})

    def split(state: State) -> Command:
        return Command(goto=["finish", "audit"])

    graph = StateGraph(State)
    graph.add_node("route", route, destinations=("finish",))
    graph.add_node("finish", finish)
    graph.add_edge(START, "route")
    run(graph.compile(name="router"), {"items": [], "done": []}, None, mode)
    assert tracing.span("route").attributes[A.LANGGRAPH_COMMAND_GOTO] == "finish"
    assert A.LANGGRAPH_COMMAND_GOTO not in tracing.span("finish").attributes
    assert A.LANGGRAPH_COMMAND_PARENT not in tracing.span("route").attributes
    tracing.exporter.clear()

    graph = StateGraph(State)
    graph.add_node("split", split, destinations=("finish", "audit"))
    graph.add_node("finish", finish)
    graph.add_node("audit", finish)
    graph.add_edge(START, "split")
    run(graph.compile(name="splitter"), {"items": [], "done": []}, None, mode)
    assert list(tracing.span("split").attributes[A.LANGGRAPH_COMMAND_GOTO]) == ["finish", "audit"]


@pytest.mark.parametrize("mode", MODES)
def test_send_fan_out_is_parallel_node_spans(tracing: Any, mode: str) -> None:
    def fan_out(state: State) -> list[Send]:
        return [Send("work", {"items": [item], "done": []}) for item in state["items"]]

    def work(state: State) -> dict[str, Any]:
        time.sleep(0.05)
        return {"done": state["items"]}

    async def awork(state: State) -> dict[str, Any]:
        await asyncio.sleep(0.05)
        return {"done": state["items"]}

    graph = StateGraph(State)
    graph.add_node("work", awork if mode.startswith("a") else work)
    graph.add_conditional_edges(START, fan_out, ["work"])
    graph.add_edge("work", END)
    result = run(graph.compile(name="fan"), {"items": ["a", "b", "c"], "done": []}, None, mode)
    assert sorted(result["done"]) == ["a", "b", "c"]
    spans = tracing.spans()
    works = named(spans, "work")
    root = tracing.span("invoke_agent fan")
    assert len(works) == 3
    assert {parent_of(spans, w).context.span_id for w in works} == {root.context.span_id}
    assert {w.attributes[A.LANGGRAPH_STEP] for w in works} == {1}
    assert max(w.start_time for w in works) < min(w.end_time for w in works)  # they ran at the same time
    assert list(tracing.span("fan_out").attributes[A.LANGGRAPH_COMMAND_GOTO]) == ["work"] * 3


def test_command_goto_send(tracing: Any) -> None:
    def plan(state: State) -> Command:
        return Command(goto=[Send("work", {"items": ["x"], "done": []}), Send("work", {"items": ["y"], "done": []})])

    graph = StateGraph(State)
    graph.add_node("plan", plan, destinations=("work",))
    graph.add_node("work", lambda state: {"done": state["items"]})
    graph.add_edge(START, "plan")
    graph.compile(name="planner").invoke({"items": [], "done": []})
    assert list(tracing.span("plan").attributes[A.LANGGRAPH_COMMAND_GOTO]) == ["work", "work"]
    assert len(named(tracing.spans(), "work")) == 2


@tool
def transfer_to_writer(tool_call_id: Annotated[str, InjectedToolCallId]) -> Command:
    """Hand the conversation to the writer."""
    return Command(
        goto="writer",
        graph=Command.PARENT,
        update={"messages": [ToolMessage("handing off to the writer", tool_call_id=tool_call_id)]},
    )


def handoff_graph() -> Any:
    researcher = create_agent(
        ScriptedModel(script=[[{"name": "transfer_to_writer", "args": {}}]]),
        [transfer_to_writer],
        name="researcher",
    )
    writer = create_agent(ScriptedModel(script=["the article"]), [], name="writer")
    graph = StateGraph(MessagesState)
    graph.add_node("researcher", researcher, destinations=("writer",))
    graph.add_node("writer", writer)
    graph.add_edge(START, "researcher")
    graph.add_edge("writer", END)
    return graph.compile(name="newsroom")


@pytest.mark.parametrize("mode", MODES)
def test_handoff_to_a_node_of_the_parent_graph(tracing: Any, mode: str) -> None:
    result = run(handoff_graph(), {"messages": [("user", "write about Paris")]}, None, mode)
    assert result["messages"][-1].content == "the article"
    spans = tracing.spans()
    assert all(s.status.status_code != StatusCode.ERROR for s in spans)
    handoff = tracing.span("execute_tool transfer_to_writer")
    assert handoff.attributes[A.LANGGRAPH_COMMAND_GOTO] == "writer"
    assert handoff.attributes[A.LANGGRAPH_COMMAND_PARENT] is True
    researcher = tracing.span("invoke_agent researcher")
    assert researcher.attributes[A.LANGGRAPH_COMMAND_GOTO] == "writer"  # the sub-agent handed off
    assert researcher.attributes[A.LANGGRAPH_COMMAND_PARENT] is True
    root = tracing.span("invoke_agent newsroom")
    writer = tracing.span("invoke_agent writer")
    # both sub-agents are agents under their node, under the newsroom
    for agent in (researcher, writer):
        node = parent_of(spans, agent)
        assert node.attributes[A.LANGGRAPH_NODE] == agent.attributes[A.GEN_AI_AGENT_NAME]
        assert parent_of(spans, node).context.span_id == root.context.span_id


@pytest.mark.parametrize("mode", MODES)
def test_node_of_a_subgraph_hands_off_to_the_parent(tracing: Any, mode: str) -> None:
    def escalate(state: State) -> Command:
        return Command(goto="finish", graph=Command.PARENT, update={"done": ["escalated"]})

    inner = StateGraph(State)
    inner.add_node("escalate", escalate)
    inner.add_edge(START, "escalate")
    outer = StateGraph(State)
    outer.add_node("triage", inner.compile(name="triage_team"), destinations=("finish",))
    outer.add_node("finish", finish)
    outer.add_edge(START, "triage")
    result = run(outer.compile(name="desk"), {"items": [], "done": []}, None, mode)
    assert result["done"] == ["escalated", "finish"]
    spans = tracing.spans()
    assert all(s.status.status_code != StatusCode.ERROR for s in spans)
    for name in ("escalate", "invoke_agent triage_team"):
        span = tracing.span(name)
        assert span.attributes[A.LANGGRAPH_COMMAND_GOTO] == "finish"
        assert span.attributes[A.LANGGRAPH_COMMAND_PARENT] is True
    finish_span = tracing.span("finish")
    assert parent_of(spans, finish_span).name == "invoke_agent desk"
