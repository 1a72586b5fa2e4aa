"""Load: 10,000 concurrent asyncio tasks with 3-level traces and 200 concurrent LangGraph
``ainvoke`` runs. Every span reaches the in-memory exporter AND the JSONL files exactly once,
every parent is the call that really made it (recorded independently of OpenTelemetry), and
the FluxLoop ids agree with the OTel ids.

(8 threads x 2,000 calls: tests/core/test_nesting.py::test_eight_threads_two_thousand_calls_each.)
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import random
import re
from typing import Any

import pytest

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A

from support.reliability_helpers import check_records_match_spans, jsonl_processor, parse_strict

TASKS = 10_000

#: The call that is running, as the test sees it (independent of OpenTelemetry's context).
_caller: contextvars.ContextVar[str | None] = contextvars.ContextVar("caller", default=None)


class CallTree:
    """What each task actually did: call id -> the call id of its caller."""

    def __init__(self) -> None:
        self.parent: dict[str, str | None] = {}

    def enter(self, call_id: str) -> contextvars.Token[str | None]:
        assert call_id not in self.parent
        self.parent[call_id] = _caller.get()
        return _caller.set(call_id)


@pytest.fixture
def big_queue(tracing: Any) -> Any:
    """``tracing`` with a JSONL queue large enough that load tests measure correctness, not drops."""
    fl.configure(
        tracer_provider=tracing.provider,
        offline_store_dir=str(tracing.directory),
        max_queue_size=500_000,
        flush_interval=0.05,
    )
    return tracing


def _call_id(span: Any) -> str:
    return json.loads(span.attributes[A.INPUT_VALUE])["call_id"]


def test_ten_thousand_concurrent_tasks_three_levels(big_queue: Any) -> None:
    tracing = big_queue
    tree = CallTree()
    shape = random.Random(6)
    plan = {t: [shape.randint(0, 2) for _ in range(shape.randint(1, 2))] for t in range(TASKS)}

    @fl.prompt(model="fake-model")
    async def generate(call_id: str) -> dict[str, Any]:
        token = tree.enter(call_id)
        try:
            await asyncio.sleep(0)
            return {"content": f"answer {call_id}", "usage": {"prompt_tokens": 3, "completion_tokens": 2}}
        finally:
            _caller.reset(token)

    @fl.tool()
    async def use_tool(call_id: str, generations: int) -> str:
        token = tree.enter(call_id)
        try:
            await asyncio.sleep(0)
            # siblings run concurrently inside the tool, each in its own task
            results = await asyncio.gather(*(generate(f"{call_id}/g{g}") for g in range(generations)))
            return ",".join(r["content"] for r in results)
        finally:
            _caller.reset(token)

    @fl.agent()
    async def session(call_id: str, tools: list[int]) -> int:
        token = tree.enter(call_id)
        try:
            await asyncio.sleep(0)
            done = 0
            for index, generations in enumerate(tools):  # sequential tools, concurrent generations
                await use_tool(f"{call_id}/t{index}", generations)
                done += 1
            return done
        finally:
            _caller.reset(token)

    async def main() -> list[int]:
        return await asyncio.gather(*(session(f"s{t}", plan[t]) for t in range(TASKS)))

    assert asyncio.run(main()) == [len(plan[t]) for t in range(TASKS)]
    expected_spans = sum(1 + len(tools) + sum(tools) for tools in plan.values())
    assert len(tree.parent) == expected_spans

    spans = tracing.spans()
    assert len(spans) == expected_spans
    by_call = {_call_id(span): span for span in spans}
    assert len(by_call) == expected_spans  # each call exactly once
    wrong_parents = 0
    for call_id, caller in tree.parent.items():
        span = by_call[call_id]
        if caller is None:
            wrong_parents += span.parent is not None
        else:
            expected = by_call[caller].context
            wrong_parents += span.parent is None or (span.parent.span_id, span.parent.trace_id) != (
                expected.span_id,
                expected.trace_id,
            )
    assert wrong_parents == 0
    assert len({s.context.trace_id for s in spans}) == TASKS

    assert fl.force_flush(60)
    observations = parse_strict(tracing.directory / "observations.jsonl")
    traces = parse_strict(tracing.directory / "traces.jsonl")
    check_records_match_spans(spans, observations, traces)
    generations = [r for r in observations if r["type"] == "generation"]
    assert all(r["model"] == "fake-model" and r["total_tokens"] == 5 for r in generations)
    stats = jsonl_processor().stats
    assert stats.lost == 0 and stats.written_lines == len(observations) + len(traces)
    print(
        f"\n{TASKS:,} asyncio tasks: {len(spans):,} spans, {len(observations):,} observation + {len(traces):,} trace lines, "
        f"wrong parents {wrong_parents}, lost {stats.lost}"
    )


# -- LangGraph ----------------------------------------------------------------------------
RUNS = 200


@pytest.fixture
def langgraph_agent() -> Any:
    pytest.importorskip("langgraph")
    from langchain_core.tools import tool
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    from support.lc_fakes import ToolCallingModel

    @fl.tool()
    def lookup_table(city: str) -> str:  # a fluxloop-otel decorator called from inside a LangChain tool
        return f"{city}: 21C"

    @tool
    async def get_weather(city: str) -> str:
        """Current weather of a city."""
        await asyncio.sleep(0)
        return lookup_table(city)

    @tool
    def get_time(city: str) -> str:
        """Local time of a city (a sync tool: LangChain runs it in a thread pool)."""
        return f"{city}: 12:00"

    class CityModel(ToolCallingModel):
        """Asks for the weather and time of the city named in the last user message."""

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Any:
            city = next(m.content for m in messages if m.type == "human").split()[-1]
            model = self.model_copy(
                update={
                    "calls": [
                        {"name": "get_weather", "args": {"city": city}},
                        {"name": "get_time", "args": {"city": city}},
                    ]
                }
            )
            await asyncio.sleep(0)
            return model._generate(messages, stop, None, **kwargs)

    model = CityModel()

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([get_weather, get_time]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile(name="city_graph")


def _canonical(spans: list[Any], root: Any) -> Any:
    """The span tree under ``root`` as nested sorted tuples of names (city names removed)."""
    children: dict[int, list[Any]] = {}
    for span in spans:
        if span.parent is not None:
            children.setdefault(span.parent.span_id, []).append(span)

    def walk(span: Any) -> tuple[Any, ...]:
        return (span.name, tuple(sorted(walk(child) for child in children.get(span.context.span_id, []))))

    return walk(root)


def test_two_hundred_concurrent_langgraph_runs(big_queue: Any, langgraph_agent: Any) -> None:
    tracing = big_queue

    @fl.agent()
    async def ask(city: str) -> str:
        result = await langgraph_agent.ainvoke(
            {"messages": [("user", f"Weather and time in {city}")]}, {"configurable": {"thread_id": city}}
        )
        return result["messages"][-1].content

    # The reference tree: one run on its own.
    assert asyncio.run(ask("Reference")).startswith("Answer: Reference: 21C")
    reference_spans = tracing.spans()
    reference_root = next(s for s in reference_spans if s.parent is None)
    reference = _canonical(reference_spans, reference_root)
    tracing.exporter.clear()

    cities = [f"City{i}" for i in range(RUNS)]

    async def main() -> list[str]:
        return await asyncio.gather(*(ask(city) for city in cities))

    answers = asyncio.run(main())
    assert answers == [f"Answer: {city}: 21C; {city}: 12:00" for city in cities]

    spans = tracing.spans()
    assert len(spans) == RUNS * len(reference_spans)
    roots = {s.context.trace_id: s for s in spans if s.parent is None}
    assert len(roots) == RUNS
    by_trace: dict[int, list[Any]] = {}
    for span in spans:
        by_trace.setdefault(span.context.trace_id, []).append(span)
    ids = {(s.context.trace_id, s.context.span_id) for s in spans}
    wrong_parents = 0
    for trace_id, members in by_trace.items():
        root = roots[trace_id]
        city = json.loads(root.attributes[A.INPUT_VALUE])["city"]
        # same shape as the reference run: nothing attached to the wrong run, nothing missing
        assert _canonical(members, root) == reference, f"trace of {city} differs from the reference"
        for span in members:
            if span.parent is not None and (span.parent.trace_id, span.parent.span_id) not in ids:
                wrong_parents += 1
            # every span carrying a city carries this trace's city
            for key in (A.INPUT_VALUE, A.OUTPUT_VALUE, A.GEN_AI_TOOL_CALL_ARGUMENTS, A.GEN_AI_INPUT_MESSAGES):
                mentioned = set(re.findall(r"City\d+", str(span.attributes.get(key, ""))))
                assert mentioned <= {city}, (span.name, key, mentioned, city)
        user_tools = [s for s in members if s.name == "execute_tool lookup_table"]
        assert len(user_tools) == 1
        parent = next(s for s in members if s.context.span_id == user_tools[0].parent.span_id)
        assert parent.name == "execute_tool get_weather"  # context flowed from LangChain into user code
        assert json.loads(user_tools[0].attributes[A.INPUT_VALUE]) == {"city": city}
    assert wrong_parents == 0

    assert fl.force_flush(60)
    observations = parse_strict(tracing.directory / "observations.jsonl")
    traces = parse_strict(tracing.directory / "traces.jsonl")
    reference_ids = {s.context.trace_id for s in reference_spans}
    from fluxloop_otel.semconv.ids import trace_uuid

    skip = {trace_uuid(t) for t in reference_ids}
    check_records_match_spans(
        spans,
        [r for r in observations if r["trace_id"] not in skip],
        [t for t in traces if t["id"] not in skip],
    )
    assert jsonl_processor().stats.lost == 0
    print(
        f"\n{RUNS} concurrent LangGraph runs: {len(spans):,} spans ({len(reference_spans)} per run, each tree equal to the "
        f"reference), wrong parents {wrong_parents}, lost {jsonl_processor().stats.lost}"
    )
