"""Every decorator x call kind x callable kind, against the real OTel SDK."""

from __future__ import annotations

import asyncio
import gc
import inspect
from typing import Any, Callable

import pytest
from opentelemetry.trace import StatusCode

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A

DECORATORS: dict[str, tuple[Callable[..., Any], str, str, str]] = {
    # name: (decorator factory, fluxloop type, OpenInference kind, span name of "work")
    "agent": (fl.agent, "agent", "AGENT", "invoke_agent work"),
    "tool": (fl.tool, "tool", "TOOL", "execute_tool work"),
    "prompt": (lambda: fl.prompt(model="fake-model"), "generation", "LLM", "chat fake-model"),
    "retrieval": (lambda: fl.retrieval(data_source="kb"), "retrieval", "RETRIEVER", "retrieval kb"),
    "embedding": (lambda: fl.embedding(model="emb-1"), "embedding", "EMBEDDING", "embeddings emb-1"),
    "trace": (fl.trace, "span", "CHAIN", "work"),
}
OPERATIONS = {"agent": "invoke_agent", "tool": "execute_tool", "prompt": "chat", "retrieval": "retrieval", "embedding": "embeddings"}
CALL_KINDS = ["sync", "async", "generator", "async_generator"]
CALLABLE_KINDS = ["function", "method", "classmethod", "staticmethod"]


def _factory(decorator_name: str) -> Callable[[Callable[..., Any]], Any]:
    factory = DECORATORS[decorator_name][0]
    return factory()


def build(decorator_name: str, call_kind: str, callable_kind: str, fail: bool = False) -> Callable[..., Any]:
    """A decorated ``work(x, y=2)`` of the requested shape; returns a callable taking (x)."""
    deco = _factory(decorator_name)

    def check(x: int) -> None:
        if fail:
            raise ValueError(f"bad {x}")

    if call_kind == "sync":
        def work(x: int, y: int = 2) -> str:
            check(x)
            return f"r{x + y}"
    elif call_kind == "async":
        async def work(x: int, y: int = 2) -> str:  # type: ignore[misc]
            await asyncio.sleep(0)
            check(x)
            return f"r{x + y}"
    elif call_kind == "generator":
        def work(x: int, y: int = 2):  # type: ignore[misc]
            yield "r"
            check(x)
            yield f"{x + y}"
    else:
        async def work(x: int, y: int = 2):  # type: ignore[misc]
            yield "r"
            await asyncio.sleep(0)
            check(x)
            yield f"{x + y}"

    if callable_kind == "function":
        return deco(work)
    if callable_kind == "method":
        def method(self: Any, x: int, y: int = 2) -> Any:
            return work(x, y)
        method.__name__ = "work"
        # keep the call kind of `work` by decorating a real method of the same kind
        namespace: dict[str, Any] = {}
        if call_kind == "sync":
            def work_m(self, x, y=2):  # noqa: ANN001
                return work(x, y)
        elif call_kind == "async":
            async def work_m(self, x, y=2):  # noqa: ANN001
                return await work(x, y)
        elif call_kind == "generator":
            def work_m(self, x, y=2):  # noqa: ANN001
                yield from work(x, y)
        else:
            async def work_m(self, x, y=2):  # noqa: ANN001
                async for item in work(x, y):
                    yield item
        work_m.__name__ = "work"
        namespace["work"] = deco(work_m)
        cls = type("Holder", (), namespace)
        return cls().work
    wrapper_type = classmethod if callable_kind == "classmethod" else staticmethod
    if call_kind == "sync":
        def work_c(*args):  # noqa: ANN002
            return work(args[-1])
    elif call_kind == "async":
        async def work_c(*args):  # noqa: ANN002
            return await work(args[-1])
    elif call_kind == "generator":
        def work_c(*args):  # noqa: ANN002
            yield from work(args[-1])
    else:
        async def work_c(*args):  # noqa: ANN002
            async for item in work(args[-1]):
                yield item
    work_c.__name__ = "work"
    cls = type("Holder", (), {"work": wrapper_type(deco(work_c))})
    return cls.work


def invoke(fn: Callable[..., Any], call_kind: str, x: int = 1) -> Any:
    if call_kind == "sync":
        return fn(x)
    if call_kind == "async":
        return asyncio.run(fn(x))
    if call_kind == "generator":
        return "".join(fn(x))

    async def consume() -> str:
        return "".join([item async for item in fn(x)])

    return asyncio.run(consume())


@pytest.mark.parametrize("callable_kind", CALLABLE_KINDS)
@pytest.mark.parametrize("call_kind", CALL_KINDS)
@pytest.mark.parametrize("decorator_name", list(DECORATORS))
def test_matrix_success(tracing, decorator_name: str, call_kind: str, callable_kind: str) -> None:
    fn = build(decorator_name, call_kind, callable_kind)
    with fl.instrument("outer") as ctx:
        assert invoke(fn, call_kind) == "r3"
    _, fl_type, oi_kind, span_name = DECORATORS[decorator_name]
    span = tracing.span(span_name)
    root = tracing.span("invoke_workflow outer")
    assert span.parent is not None and span.parent.span_id == root.context.span_id
    assert span.context.trace_id == root.context.trace_id
    attributes = span.attributes
    assert attributes[A.FLUXLOOP_OBSERVATION_TYPE] == fl_type
    assert attributes[A.OPENINFERENCE_SPAN_KIND] == oi_kind
    if decorator_name in OPERATIONS:
        assert attributes[A.GEN_AI_OPERATION_NAME] == OPERATIONS[decorator_name]
    else:
        assert A.GEN_AI_OPERATION_NAME not in attributes
    assert span.status.status_code is StatusCode.UNSET
    record = tracing.observation("work")
    assert record["type"] == fl_type
    assert record["trace_id"] == ctx.trace_id
    assert "parent_observation_id" not in record  # direct child of the instrument() root
    if callable_kind in ("function", "method"):
        assert record["input"] == {"x": 1, "y": 2}  # bound by name, self dropped, defaults applied
    if decorator_name != "embedding":
        assert record["output"] == "r3"
    if call_kind in ("generator", "async_generator"):
        assert attributes[A.FLUXLOOP_STREAM_CHUNKS] == 2
        assert attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0


@pytest.mark.parametrize("callable_kind", ["function", "method"])
@pytest.mark.parametrize("call_kind", CALL_KINDS)
@pytest.mark.parametrize("decorator_name", list(DECORATORS))
def test_matrix_error(tracing, decorator_name: str, call_kind: str, callable_kind: str) -> None:
    fn = build(decorator_name, call_kind, callable_kind, fail=True)
    with pytest.raises(ValueError, match="bad 1"):
        invoke(fn, call_kind)
    span = tracing.span(DECORATORS[decorator_name][3])
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "bad 1"
    assert span.attributes[A.ERROR_TYPE] == "ValueError"
    assert [e.name for e in span.events] == ["exception"]
    record = tracing.observation("work")
    assert record["error"] == "bad 1"
    assert record["level"] == "error"
    assert record["metadata"]["error_type"] == "ValueError"
    assert "ValueError: bad 1" in record["metadata"]["traceback"]
    assert "output" not in record


@pytest.mark.parametrize("decorator_name", list(DECORATORS))
def test_introspection_preserved(decorator_name: str) -> None:
    deco = _factory(decorator_name)

    async def coro(a: int, b: str = "x") -> str:
        """Doc."""
        return b

    def gen(a: int):
        yield a

    async def agen(a: int):
        yield a

    wrapped = deco(coro)
    assert inspect.iscoroutinefunction(wrapped)
    assert inspect.signature(wrapped) == inspect.signature(coro)
    assert wrapped.__wrapped__ is coro
    assert wrapped.__name__ == "coro" and wrapped.__doc__ == "Doc."
    assert inspect.isgeneratorfunction(deco(gen))
    assert inspect.isasyncgenfunction(deco(agen))


def test_bare_decorators_without_parentheses(tracing) -> None:
    @fl.agent
    def bare_agent(q: str) -> str:
        return bare_tool(q)

    @fl.tool
    def bare_tool(q: str) -> str:
        return q.upper()

    assert bare_agent("hi") == "HI"
    agent_span = tracing.span("invoke_agent bare_agent")
    tool_span = tracing.span("execute_tool bare_tool")
    assert tool_span.parent.span_id == agent_span.context.span_id
    assert agent_span.parent is None  # a decorated call with no active span starts a trace
    assert [t["name"] for t in tracing.traces()] == ["bare_agent"]


def test_callable_object(tracing) -> None:
    class Scorer:
        def __call__(self, text: str) -> int:
            return len(text)

    scorer = fl.trace(name="scorer")(Scorer())
    assert scorer("abcd") == 4
    assert tracing.observation("scorer")["input"] == {"text": "abcd"}


def test_unbound_method_call_drops_self(tracing) -> None:
    class Agent:
        @fl.tool()
        def lookup(self, query: str, limit: int = 1) -> list[str]:
            return [query] * limit

    agent = Agent()
    assert Agent.lookup(agent, "q", limit=2) == ["q", "q"]
    assert tracing.observation("lookup")["input"] == {"query": "q", "limit": 2}


def test_invalid_observation_type() -> None:
    with pytest.raises(ValueError, match="Expected one of: span, event"):
        fl.trace(observation_type="nonsense")


def test_decorating_non_callable_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="can only decorate callables"):
        fl.tool()(42)  # type: ignore[arg-type]


# -- abandoned streams end their spans -------------------------------------------------------
def _stream(n: int):
    for i in range(n):
        yield f"c{i}"


def test_generator_break_ends_span(tracing) -> None:
    traced = fl.prompt(model="m")(_stream)
    for _chunk in traced(10):
        break
    span = tracing.span("chat m")
    assert span.attributes[A.FLUXLOOP_STREAM_CHUNKS] == 1
    assert span.attributes[A.FLUXLOOP_STREAM_END_REASON] == "closed"
    assert span.attributes[A.OUTPUT_VALUE] == "c0"


def test_generator_close_and_gc_end_span(tracing) -> None:
    traced = fl.trace(name="s")(_stream)
    first = traced(5)
    next(first)
    first.close()
    second = traced(5)
    next(second)
    next(second)
    del second
    gc.collect()
    chunk_counts = sorted(s.attributes[A.FLUXLOOP_STREAM_CHUNKS] for s in tracing.spans() if s.name == "s")
    assert chunk_counts == [1, 2]
    assert all(s.end_time for s in tracing.spans())


def test_async_generator_break_and_aclose_end_span(tracing) -> None:
    @fl.prompt(model="m")
    async def astream(n: int):
        for i in range(n):
            yield {"delta": i}

    async def main() -> None:
        async for _ in astream(5):
            break
        gen = astream(5)
        await gen.__anext__()
        await gen.aclose()

    asyncio.run(main())
    spans = [s for s in tracing.spans() if s.name == "chat m"]
    assert len(spans) == 2
    # break: finalised by the event loop (closed, or cancelled at loop shutdown); aclose(): closed
    assert all(s.attributes[A.FLUXLOOP_STREAM_END_REASON] in ("closed", "cancelled") for s in spans)
    assert all(s.status.status_code is StatusCode.UNSET for s in spans)
    assert spans[0].attributes[A.OUTPUT_MIME_TYPE] == A.MIME_JSON  # non-string chunks aggregate as a list


def test_generator_error_mid_stream(tracing) -> None:
    @fl.trace(name="boom")
    def explode():
        yield 1
        raise RuntimeError("mid-stream")

    with pytest.raises(RuntimeError):
        list(explode())
    span = tracing.span("boom")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[A.FLUXLOOP_STREAM_CHUNKS] == 1


def test_generator_send_and_return_value(tracing) -> None:
    @fl.trace(name="echo")
    def echo():
        received = yield "ready"
        yield f"got {received}"
        return "done"

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send("x") == "got x"
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert tracing.span("echo").attributes[A.OUTPUT_VALUE] == "readygot x"


def test_stream_output_capped(tracing) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), max_content_chars=100)

    @fl.trace(name="big")
    def big():
        for _ in range(50):
            yield "x" * 10

    assert len("".join(big())) == 500
    value = tracing.span("big").attributes[A.OUTPUT_VALUE]
    assert len(value) < 200 and value.endswith("[stream truncated]")


def test_children_inside_generator_body_nest_under_stream(tracing) -> None:
    @fl.tool()
    def inner(i: int) -> int:
        return i

    @fl.trace(name="outer_stream")
    def outer():
        for i in range(2):
            yield inner(i)

    list(outer())
    outer_span = tracing.span("outer_stream")
    inner_spans = [s for s in tracing.spans() if s.name == "execute_tool inner"]
    assert len(inner_spans) == 2
    assert all(s.parent.span_id == outer_span.context.span_id for s in inner_spans)
