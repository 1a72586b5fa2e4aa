"""The graph's structure (nodes and edges) on its agent span, computed once per compiled graph."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.pregel import Pregel
from typing_extensions import TypedDict

from fluxloop_otel.semconv import attributes as A

from support.lg_support import MODES, run


class State(TypedDict):
    n: int


def counter_graph() -> Any:
    graph = StateGraph(State)
    graph.add_node("inc", lambda state: {"n": state["n"] + 1})
    graph.add_node("check", lambda state: {})
    graph.add_edge(START, "inc")
    graph.add_edge("inc", "check")
    graph.add_conditional_edges("check", lambda state: END if state["n"] >= 2 else "inc", ["inc", END])
    return graph.compile(name="counter")


@pytest.mark.parametrize("mode", MODES)
def test_structure_on_the_root(tracing: Any, mode: str) -> None:
    run(counter_graph(), {"n": 0}, None, mode)
    root = tracing.span("invoke_agent counter")
    structure = json.loads(root.attributes[A.LANGGRAPH_GRAPH])
    assert structure["nodes"] == ["__start__", "inc", "check", "__end__"]
    assert {(e["source"], e["target"], e.get("conditional", False)) for e in structure["edges"]} == {
        ("__start__", "inc", False),
        ("inc", "check", False),
        ("check", "inc", True),
        ("check", "__end__", True),
    }
    for span in tracing.spans():
        if span is not root:
            assert A.LANGGRAPH_GRAPH not in span.attributes


def test_structure_computed_once_per_compiled_graph(tracing: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    original = Pregel.get_graph

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Pregel, "get_graph", counting)
    app = counter_graph()
    for _ in range(3):
        app.invoke({"n": 0})
    assert len(calls) == 1
    roots = [s for s in tracing.spans() if s.parent is None]
    assert len(roots) == 3 and len({r.attributes[A.LANGGRAPH_GRAPH] for r in roots}) == 1
    counter_graph().invoke({"n": 0})  # another compiled graph: its own structure
    assert len(calls) == 2
