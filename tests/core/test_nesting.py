"""Decorator spans, instrument() spans and plain OTel spans nest in every direction,
across threads, asyncio tasks, gather and executors."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading

from opentelemetry import context as otel_context
from opentelemetry import trace

import fluxloop_otel as fl


@fl.tool()
def leaf(i: int) -> int:
    return i


@fl.agent()
def parent_agent(n: int) -> list[int]:
    return [leaf(i) for i in range(n)]


def _children_of(tracing, parent_name: str, child_name: str) -> list:
    parent = tracing.span(parent_name)
    return [s for s in tracing.spans() if s.name == child_name and s.parent and s.parent.span_id == parent.context.span_id]


def test_plain_otel_span_around_and_inside_decorators(tracing) -> None:
    tracer = tracing.provider.get_tracer("user")

    @fl.tool()
    def uses_plain_span() -> str:
        with tracer.start_as_current_span("user.inner"):
            return leaf(1) and "ok"

    with tracer.start_as_current_span("user.outer"):
        with fl.instrument("wf"):
            uses_plain_span()
    outer, wf = tracing.span("user.outer"), tracing.span("invoke_workflow wf")
    tool_span, inner = tracing.span("execute_tool uses_plain_span"), tracing.span("user.inner")
    assert wf.parent.span_id == outer.context.span_id  # instrument() inside a span is its child
    assert tool_span.parent.span_id == wf.context.span_id
    assert inner.parent.span_id == tool_span.context.span_id
    assert tracing.span("execute_tool leaf").parent.span_id == inner.context.span_id
    assert len({s.context.trace_id for s in tracing.spans()}) == 1
    records = {r["name"]: r for r in tracing.observations()}
    assert records["wf"]["type"] == "span"  # nested instrument(): an observation, not a trace
    assert records["user.inner"]["type"] == "span"  # spans of other instrumentations are kept
    assert [t["name"] for t in tracing.traces()] == ["user.outer"]


def test_thread_with_copied_context(tracing) -> None:
    @fl.agent()
    def threaded() -> None:
        ctx = contextvars.copy_context()
        worker = threading.Thread(target=ctx.run, args=(leaf, 7))
        worker.start()
        worker.join()

    threaded()
    assert len(_children_of(tracing, "invoke_agent threaded", "execute_tool leaf")) == 1


def test_thread_pool_submit_propagates_with_threading_instrumentation(tracing) -> None:
    @fl.agent()
    def pooled() -> list[int]:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            return list(pool.map(leaf, range(4)))

    assert pooled() == [0, 1, 2, 3]
    assert len(_children_of(tracing, "invoke_agent pooled", "execute_tool leaf")) == 4


def test_thread_pool_one_liner_without_instrumentation(tracing) -> None:
    """The documented one-liner for users who switch threading instrumentation off."""
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), instrument_threading=False)

    @fl.agent()
    def pooled_manual() -> int:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(contextvars.copy_context().run, leaf, 3).result()

    assert pooled_manual() == 3
    assert len(_children_of(tracing, "invoke_agent pooled_manual", "execute_tool leaf")) == 1


def test_asyncio_tasks_gather_and_executor(tracing) -> None:
    @fl.tool()
    async def aleaf(i: int) -> int:
        await asyncio.sleep(0)
        return i

    @fl.agent()
    async def orchestrate() -> list[int]:
        loop = asyncio.get_running_loop()
        gathered = await asyncio.gather(*(aleaf(i) for i in range(3)))
        task = asyncio.create_task(aleaf(10))
        in_executor = await loop.run_in_executor(None, leaf, 20)
        return [*gathered, await task, in_executor]

    assert asyncio.run(orchestrate()) == [0, 1, 2, 10, 20]
    assert len(_children_of(tracing, "invoke_agent orchestrate", "execute_tool aleaf")) == 4
    assert len(_children_of(tracing, "invoke_agent orchestrate", "execute_tool leaf")) == 1


def test_concurrent_tasks_do_not_share_parents(tracing) -> None:
    @fl.agent()
    async def session(i: int) -> int:
        await asyncio.sleep(0.001 * (3 - i))
        return await sub(i)

    @fl.tool()
    async def sub(i: int) -> int:
        await asyncio.sleep(0)
        return i

    async def main() -> None:
        await asyncio.gather(*(session(i) for i in range(3)))

    asyncio.run(main())
    sessions = {s.context.span_id: s for s in tracing.spans() if s.name == "invoke_agent session"}
    subs = [s for s in tracing.spans() if s.name == "execute_tool sub"]
    assert len(sessions) == 3 and len(subs) == 3
    for sub_span in subs:
        owner = sessions[sub_span.parent.span_id]
        assert owner.attributes["input.value"] == sub_span.attributes["input.value"]  # {"i": n} in both
        assert owner.context.trace_id == sub_span.context.trace_id


def test_async_instrument_context(tracing) -> None:
    async def main() -> str | None:
        async with fl.instrument("async-wf", user_id="u1") as ctx:
            await asyncio.sleep(0)
            parent_agent(1)
            return ctx.trace_id

    trace_id = asyncio.run(main())
    assert tracing.traces()[0]["id"] == trace_id
    assert tracing.traces()[0]["user_id"] == "u1"
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing left attached


def test_no_context_leaks_after_calls(tracing) -> None:
    before = otel_context.get_current()
    parent_agent(2)
    try:
        with fl.instrument("x"):
            raise ValueError("inside")
    except ValueError:
        pass
    assert otel_context.get_current() == before


def test_eight_threads_two_thousand_calls_each(tracing) -> None:
    """Every span present once, every parent correct, every JSONL line parses."""
    threads_count, calls = 8, 2000
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), max_queue_size=100_000)

    @fl.tool()
    def work(t: int, i: int) -> int:
        return t * calls + i

    @fl.agent()
    def worker(t: int) -> int:
        return sum(work(t, i) for i in range(calls))

    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            worker(t)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    spans = tracing.spans()
    assert len(spans) == threads_count * (calls + 1)
    agents = {s.context.span_id: s for s in spans if s.name == "invoke_agent worker"}
    assert len(agents) == threads_count
    for span in spans:
        if span.name == "execute_tool work":
            owner = agents[span.parent.span_id]
            t = int(owner.attributes["input.value"].split(":")[1].rstrip("}"))
            assert span.attributes["input.value"].startswith(f'{{"t":{t},')
    records = tracing.observations()  # json.loads of every line
    assert len(records) == len(spans)
    assert len({r["id"] for r in records}) == len(records)
    by_id = {r["id"]: r for r in records}
    for record in records:
        if record["type"] == "tool":
            parent = by_id[record["parent_observation_id"]]
            assert parent["type"] == "agent" and parent["trace_id"] == record["trace_id"]
            assert parent["input"]["t"] == record["input"]["t"]
