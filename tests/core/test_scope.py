"""Session, user, metadata and tags on every span started inside ``using_*()``, ``instrument()``
or a LangGraph thread; ``suppress_tracing()`` leaves nothing traced. Real spans from our
decorators, LangChain, the real httpx instrumentation and a plain tracer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from langchain_core.runnables import RunnableLambda
from langgraph.graph import END, START, MessagesState, StateGraph
from opentelemetry import propagate

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A


def _stamped(span: Any) -> dict[str, Any]:
    attributes = span.attributes
    return {
        "session": attributes.get(A.SESSION_ID),
        "conversation": attributes.get(A.GEN_AI_CONVERSATION_ID),
        "user": attributes.get(A.USER_ID),
        "metadata": json.loads(attributes[A.METADATA]) if A.METADATA in attributes else None,
        "tags": list(attributes.get(A.TAG_TAGS) or []),
    }


def _work(tracer: Any, url: str) -> None:
    """Spans of every origin: our decorator, LangChain, httpx, a plain tracer."""

    @fl.tool()
    def fetch(path: str) -> str:
        return httpx.get(f"{url}/{path}").text

    with tracer.start_as_current_span("plain"):
        RunnableLambda(lambda text: fetch(text), name="chain").invoke("weather")


def test_using_blocks_stamp_every_span(tracing: Any, echo_server: Any, httpx_instrumented: None) -> None:
    tracer = tracing.provider.get_tracer("user-code")
    with fl.using_session("s-1"), fl.using_user("u-1"), fl.using_metadata({"tenant": "acme"}), fl.using_tags(["prod"]):
        with fl.using_metadata({"step": 2}), fl.using_tags(["beta"]):
            _work(tracer, echo_server.url)
    spans = tracing.spans()
    names = {span.name for span in spans}
    assert {"plain", "chain", "execute_tool fetch", "GET"} <= names, names
    for span in spans:
        assert _stamped(span) == {
            "session": "s-1",
            "conversation": "s-1",
            "user": "u-1",
            "metadata": {"tenant": "acme", "step": 2},
            "tags": ["prod", "beta"],
        }, span.name
    trace = tracing.traces()[0]
    assert (trace["session_id"], trace["user_id"], trace["tags"]) == ("s-1", "u-1", ["prod", "beta"])
    # Outside the block nothing is stamped.
    tracing.exporter.clear()
    with tracer.start_as_current_span("after"):
        pass
    assert _stamped(tracing.span("after"))["session"] is None


def test_a_spans_own_values_win(tracing: Any) -> None:
    @fl.agent(metadata={"step": "own", "kind": "agent"})
    def agent() -> str:
        return "ok"

    with fl.using_session("outer"), fl.using_metadata({"step": "scope", "tenant": "acme"}), fl.using_tags(["prod"]):
        with fl.instrument("inner", session_id="own-session", tags=["own"]):
            agent()
    stamped = _stamped(tracing.span("invoke_agent agent"))
    assert stamped["session"] == "own-session"
    assert stamped["metadata"] == {"step": "own", "kind": "agent", "tenant": "acme"}
    assert stamped["tags"] == ["prod", "own"]


def test_instrument_arguments_reach_foreign_spans(tracing: Any, echo_server: Any, httpx_instrumented: None) -> None:
    tracer = tracing.provider.get_tracer("user-code")
    with fl.instrument("checkout", session_id="s-2", user_id="u-2", metadata={"cart": 3}, tags=["web"]):
        _work(tracer, echo_server.url)
    for span in tracing.spans():
        assert _stamped(span) == {"session": "s-2", "conversation": "s-2", "user": "u-2", "metadata": {"cart": 3}, "tags": ["web"]}, span.name


def test_async_and_decorator_forms(tracing: Any) -> None:
    tracer = tracing.provider.get_tracer("user-code")

    @fl.using_session("s-deco")
    def decorated() -> None:
        with tracer.start_as_current_span("in-decorated"):
            pass

    async def main() -> None:
        async with fl.using_user("u-async"):
            with tracer.start_as_current_span("in-async"):
                await asyncio.sleep(0)

    decorated()
    decorated()
    asyncio.run(main())
    assert _stamped(tracing.span("in-async"))["user"] == "u-async"
    assert [s.attributes.get(A.SESSION_ID) for s in tracing.spans() if s.name == "in-decorated"] == ["s-deco", "s-deco"]


def test_langgraph_thread_id_reaches_spans_inside_nodes(tracing: Any, echo_server: Any, httpx_instrumented: None) -> None:
    tracer = tracing.provider.get_tracer("user-code")

    def node(state: MessagesState) -> dict[str, Any]:
        with tracer.start_as_current_span("inside-node"):
            httpx.get(f"{echo_server.url}/x")
        return {"messages": [("ai", "done")]}

    graph = StateGraph(MessagesState).add_node("work", node).add_edge(START, "work").add_edge("work", END).compile()
    graph.invoke({"messages": [("user", "hi")]}, {"configurable": {"thread_id": "thread-7"}})
    for name in ("inside-node", "GET"):
        assert _stamped(tracing.span(name))["session"] == "thread-7", name
        assert _stamped(tracing.span(name))["conversation"] == "thread-7", name


def test_baggage_carries_session_across_processes(tracing: Any, echo_server: Any, httpx_instrumented: None) -> None:
    with fl.using_session("s-bag", baggage=True), fl.using_user("u-private"):
        httpx.get(f"{echo_server.url}/a")
    with fl.using_session("s-local"):
        httpx.get(f"{echo_server.url}/b")
    sent, local = echo_server.headers
    assert "session.id=s-bag" in sent.get("baggage", "")
    assert "u-private" not in sent.get("baggage", "")  # only what asked for baggage=True travels
    assert "baggage" not in local
    # The receiving side: a span started in the extracted context carries the session.
    tracer = tracing.provider.get_tracer("server")
    with tracer.start_as_current_span("handle", context=propagate.extract(sent)):
        pass
    assert _stamped(tracing.span("handle"))["session"] == "s-bag"


def test_suppress_tracing_traces_nothing(tracing: Any, echo_server: Any, httpx_instrumented: None) -> None:
    @fl.agent()
    def agent(question: str) -> str:
        return httpx.get(f"{echo_server.url}/q").text

    @fl.tool()
    async def tool() -> str:
        return "t"

    def generator() -> Any:
        yield 1

    traced_generator = fl.trace()(generator)
    with fl.suppress_tracing():
        agent("hi")
        asyncio.run(tool())
        list(traced_generator())
        with fl.instrument("block", session_id="s") as context:
            context.add_metadata("k", "v")
            fl.event("happened")
            RunnableLambda(lambda x: x, name="chain").invoke(1)
    assert tracing.spans() == []
    assert tracing.observations() == [] and tracing.traces() == []
    agent("again")  # and tracing resumes after the block
    assert {s.name for s in tracing.spans()} == {"invoke_agent agent", "GET"}


def test_scope_processor_on_a_provider_fluxloop_otel_does_not_configure() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from fluxloop_otel.telemetry.scope import ScopeSpanProcessor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(ScopeSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with fl.using_session("s-own"), fl.using_tags(["t"]):
        with provider.get_tracer("someone").start_as_current_span("theirs"):
            pass
    (span,) = exporter.get_finished_spans()
    assert (span.attributes[A.SESSION_ID], list(span.attributes[A.TAG_TAGS])) == ("s-own", ["t"])
