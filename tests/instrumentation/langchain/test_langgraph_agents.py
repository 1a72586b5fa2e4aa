"""Sub-agents and multi-agent graphs: every compiled graph is an ``agent`` span, nested where it
runs (used as a node, invoked inside a node's function, invoked inside a tool), each named."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from langchain.agents import create_agent
from langchain_core.tools import StructuredTool, tool
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from fluxloop_otel.semconv import attributes as A

from support.lg_fakes import ScriptedModel
from support.lg_support import MODES, kinds, run
from support.spans import named, parent_of


class State(TypedDict):
    topic: str
    notes: Annotated[list[str], operator.add]


def leaf_graph() -> Any:
    graph = StateGraph(State)
    graph.add_node("summarize", lambda state: {"notes": [f"summary of {state['topic']}"]})
    graph.add_edge(START, "summarize")
    graph.add_edge("summarize", END)
    return graph.compile(name="summarizer")


@pytest.mark.parametrize("mode", MODES)
def test_graph_invoked_inside_a_node_function_is_a_nested_agent(tracing: Any, mode: str) -> None:
    summarizer = leaf_graph()

    def research(state: State) -> dict[str, Any]:
        inner = summarizer.invoke({"topic": state["topic"], "notes": []})
        return {"notes": inner["notes"]}

    async def aresearch(state: State) -> dict[str, Any]:
        inner = await summarizer.ainvoke({"topic": state["topic"], "notes": []})
        return {"notes": inner["notes"]}

    graph = StateGraph(State)
    graph.add_node("research", aresearch if mode.startswith("a") else research)
    graph.add_edge(START, "research")
    graph.add_edge("research", END)
    result = run(graph.compile(name="desk"), {"topic": "Paris", "notes": []}, None, mode)
    assert result["notes"] == ["summary of Paris"]
    assert kinds(tracing.spans()) == [
        "invoke_agent desk [agent]",
        "  research [chain]",
        "    invoke_agent summarizer [agent]",
        "      summarize [chain]",
    ]
    inner = tracing.span("invoke_agent summarizer")
    assert inner.attributes[A.GEN_AI_AGENT_NAME] == "summarizer"


@pytest.mark.parametrize("mode", MODES)
def test_compiled_subgraph_used_as_a_node_is_an_agent(tracing: Any, mode: str) -> None:
    graph = StateGraph(State)
    graph.add_node("summarizer", leaf_graph())
    graph.add_edge(START, "summarizer")
    graph.add_edge("summarizer", END)
    run(graph.compile(name="desk"), {"topic": "Paris", "notes": []}, None, mode)
    tree = kinds(tracing.spans())
    assert tree[0] == "invoke_agent desk [agent]"
    assert "    invoke_agent summarizer [agent]" in tree or "  invoke_agent summarizer [agent]" in tree
    summarize = tracing.span("summarize")
    agent = parent_of(tracing.spans(), summarize)
    assert agent.name == "invoke_agent summarizer"


@tool
def search(query: str) -> str:
    """Search the web."""
    return f"results for {query}"


@tool
def publish(text: str) -> str:
    """Publish a text."""
    return f"published {text}"


def supervisor_with_two_sub_agents() -> Any:
    researcher = create_agent(
        ScriptedModel(script=[[{"name": "search", "args": {"query": "paris"}}], "facts: {results}"]),
        [search],
        name="researcher",
    )
    writer = create_agent(
        ScriptedModel(script=[[{"name": "publish", "args": {"text": "post"}}], "wrote: {results}"]),
        [publish],
        name="writer",
    )

    def ask_researcher(question: str) -> str:
        return researcher.invoke({"messages": [("user", question)]})["messages"][-1].content

    async def aask_researcher(question: str) -> str:
        return (await researcher.ainvoke({"messages": [("user", question)]}))["messages"][-1].content

    def ask_writer(brief: str) -> str:
        return writer.invoke({"messages": [("user", brief)]})["messages"][-1].content

    async def aask_writer(brief: str) -> str:
        return (await writer.ainvoke({"messages": [("user", brief)]}))["messages"][-1].content

    tools = [
        StructuredTool.from_function(ask_researcher, aask_researcher, description="Ask the research agent."),
        StructuredTool.from_function(ask_writer, aask_writer, description="Ask the writer agent."),
    ]
    return create_agent(
        ScriptedModel(
            script=[
                [{"name": "ask_researcher", "args": {"question": "paris?"}}],
                [{"name": "ask_writer", "args": {"brief": "a post"}}],
                "done: {results}",
            ]
        ),
        tools,
        name="supervisor",
    )


@pytest.mark.parametrize("mode", MODES)
def test_supervisor_with_two_sub_agents(tracing: Any, mode: str) -> None:
    result = run(supervisor_with_two_sub_agents(), {"messages": [("user", "write about Paris")]}, None, mode)
    assert result["messages"][-1].content == "done: facts: results for paris; wrote: published post"
    spans = tracing.spans()
    supervisor = tracing.span("invoke_agent supervisor")
    assert supervisor.parent is None
    assert supervisor.attributes[A.GEN_AI_AGENT_NAME] == "supervisor"
    for sub_agent, tool_name, inner_tool in (
        ("researcher", "ask_researcher", "search"),
        ("writer", "ask_writer", "publish"),
    ):
        agent = tracing.span(f"invoke_agent {sub_agent}")
        assert agent.attributes[A.GEN_AI_AGENT_NAME] == sub_agent
        assert agent.attributes[A.FLUXLOOP_OBSERVATION_TYPE] == "agent"
        calling_tool = parent_of(spans, agent)
        assert calling_tool.name == f"execute_tool {tool_name}"
        # agent -> (tools node) -> tool -> agent -> (tools node) -> tool
        chain = []
        span = tracing.span(f"execute_tool {inner_tool}")
        while span is not None:
            if span.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE) in ("agent", "tool"):
                chain.append(span.name)
            span = parent_of(spans, span)
        assert chain == [
            f"execute_tool {inner_tool}",
            f"invoke_agent {sub_agent}",
            f"execute_tool {tool_name}",
            "invoke_agent supervisor",
        ]
    assert len({s.context.trace_id for s in spans}) == 1
    assert len(named(spans, "chat scripted-model")) == 7
    records = tracing.observations()
    assert sorted(r["name"] for r in records if r["type"] == "agent") == ["researcher", "supervisor", "writer"]
