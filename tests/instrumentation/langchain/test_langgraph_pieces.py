"""The pure pieces: bound tool definitions in every provider format, goto extraction, the
interrupt bookkeeping's bounds."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import tool
from langgraph.errors import GraphInterrupt, ParentCommand
from langgraph.types import Command, Interrupt, Send
from opentelemetry.trace import SpanContext, TraceFlags

from fluxloop_otel.instrumentation.langchain import _graph, _lifecycle, _tools_bound
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry.tool_definitions import tool_definition_attributes


def tool_attributes(params: Any) -> dict[str, Any]:
    """What a chat span gets for the tools in these invocation parameters."""
    tools = _tools_bound.bound_tools(params)
    return tool_definition_attributes(tools, Serializer()) if tools else {}

PARAMS = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
FUNCTION = {"type": "function", "name": "search", "description": "Search.", "parameters": PARAMS}


def test_tool_definitions_from_every_provider_format() -> None:
    @tool
    def search(q: str) -> str:
        """Search."""
        return q

    formats: list[Any] = [
        {"type": "function", "function": {"name": "search", "description": "Search.", "parameters": PARAMS}},
        {"type": "function", "name": "search", "description": "Search.", "parameters": PARAMS},  # responses API
        {"name": "search", "description": "Search.", "input_schema": PARAMS},  # Anthropic
        {"toolSpec": {"name": "search", "description": "Search.", "inputSchema": {"json": PARAMS}}},  # Bedrock
        {"function_declarations": [{"name": "search", "description": "Search.", "parameters": PARAMS}]},  # Gemini
    ]
    for raw in formats:
        attributes = tool_attributes({"tools": [raw]})
        assert json.loads(attributes[A.GEN_AI_TOOL_DEFINITIONS]) == [FUNCTION], raw
        assert json.loads(attributes["llm.tools.0.tool.json_schema"]) == raw
    converted = tool_attributes({"tools": [search]})  # a LangChain tool not yet converted
    definition = json.loads(converted[A.GEN_AI_TOOL_DEFINITIONS])[0]
    assert (definition["type"], definition["name"], definition["description"]) == ("function", "search", "Search.")
    builtin = tool_attributes({"tools": [{"type": "web_search_preview"}, {"type": "bash_20250124", "name": "bash"}]})
    assert json.loads(builtin[A.GEN_AI_TOOL_DEFINITIONS]) == [
        {"type": "web_search_preview", "name": "web_search_preview"},
        {"type": "bash_20250124", "name": "bash"},
    ]
    legacy = tool_attributes({"functions": [{"name": "search", "description": "Search.", "parameters": PARAMS}]})
    assert json.loads(legacy[A.GEN_AI_TOOL_DEFINITIONS]) == [FUNCTION]
    assert tool_attributes({"tools": []}) == {}
    assert tool_attributes({"temperature": 0.1}) == {}
    assert tool_attributes(None) == {}


def test_goto() -> None:
    assert _graph.goto(Command(goto="a")) == "a"
    assert _graph.goto(Command(goto=["a", Send("b", {})])) == ["a", "b"]
    assert _graph.goto(Command(update={"x": 1})) is None
    assert _graph.goto([Command(update={}), Command(goto="c")]) == "c"
    assert _graph.goto([Send("w", 1), Send("w", 2)]) == ["w", "w"]
    assert _graph.goto(ParentCommand(Command(goto="done", graph=Command.PARENT))) == "done"
    for plain in ({"goto": "a"}, "a", None, [1, 2], ["a"], 3):
        assert _graph.goto(plain) is None


def test_structure_of_a_foreign_object_is_none() -> None:
    assert _graph.structure(object()) is None
    assert _graph.structure({"not": "a graph"}) is None  # unhashable: not cached, no error


def test_interrupt_book_is_bounded_and_keeps_the_innermost_node() -> None:
    book = _lifecycle.InterruptBook(limit=3)
    context = SpanContext(1, 2, False, TraceFlags(1))
    for i in range(10):
        book.paused(("thread", str(i)), context, f"cp-{i}")
    assert book.paused_root(("thread", "0")) is None
    assert book.paused_root(("thread", "9")).checkpoint_id == "cp-9"
    pending = [Interrupt("v", id="i1")]
    book.node_interrupted(7, GraphInterrupt(pending), "inner")
    book.node_interrupted(7, GraphInterrupt(pending), "outer")  # the same interrupt bubbling up
    assert book.nodes(7, pending) == ["inner"]
    assert book.nodes(7, pending) == []  # read once
    paused = book.paused_root(("thread", "9"))
    book.started("run-a", ("thread", "9"), paused)
    book.ended("run-a", completed=False)  # a failed resumption: the pause stays
    assert book.paused_root(("thread", "9")) is paused
    book.started("run-b", ("thread", "9"), paused)
    book.ended("run-b", completed=True)
    assert book.paused_root(("thread", "9")) is None


def test_interrupt_attributes() -> None:
    event = type("E", (), {"status": "pending", "checkpoint_id": "cp", "interrupts": (Interrupt("a", id="x"), Interrupt("b", id="y"))})()
    attributes = _lifecycle.interrupt_attributes(event, ["n1", "n2"], json.dumps)
    assert attributes[A.LANGGRAPH_INTERRUPT_ID] == ["x", "y"]
    assert attributes[A.LANGGRAPH_INTERRUPT_NODE] == ["n1", "n2"]
    assert json.loads(attributes[A.LANGGRAPH_INTERRUPT_VALUE]) == ["a", "b"]
    assert A.LANGGRAPH_INTERRUPT_VALUE not in _lifecycle.interrupt_attributes(event, [], lambda value: None)
