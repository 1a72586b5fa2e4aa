"""Every span ends (abandoned streams, exceptions, interrupts), the run map stays bounded,
tracing failures never reach the chain, and instrument()/uninstrument() are clean."""

from __future__ import annotations

import asyncio
import gc
import uuid
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackManager, CallbackManager
from langchain_core.callbacks.manager import AsyncRunManager
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableLambda
from langchain_core.runnables import config as runnable_config
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command, interrupt
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import StatusCode
from wrapt import FunctionWrapper

from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.instrumentation.langchain._handler import FluxLoopCallbackHandler
from fluxloop_otel.semconv import attributes as A

from support.lc_fakes import chat_model, prompt_chain
from support.spans import parent_of


def handler() -> FluxLoopCallbackHandler:
    return LangChainInstrumentor().handler


def counting_graph(steps: int = 3) -> Any:
    """A chain of ``steps`` nodes, each adding one message (a stream yields once per node)."""
    graph = StateGraph(MessagesState)
    previous = START
    for index in range(steps):
        name = f"step{index}"
        graph.add_node(name, lambda state, i=index: {"messages": [("ai", f"m{i}")]})
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph.compile()


@pytest.mark.ends_streams  # it checks the end reason itself
def test_abandoned_sync_streams_end_every_span(tracing: Any) -> None:
    for _ in prompt_chain().stream({"question": "Capital?"}):
        break
    for _ in counting_graph().stream({"messages": [("user", "go")]}):
        break
    gc.collect()
    spans = tracing.spans()
    assert len(handler().runs) == 0
    graph = tracing.span("invoke_agent LangGraph")
    assert graph.attributes[A.FLUXLOOP_STREAM_END_REASON] == "closed"
    assert graph.status.status_code is not StatusCode.ERROR
    # LangChain ends a closed chain stream as a success with the output so far
    assert tracing.span("RunnableSequence").status.status_code is not StatusCode.ERROR
    assert {s.name for s in spans} >= {"step0", "chat GenericFakeChatModel"}


@pytest.mark.ends_streams
def test_abandoned_async_streams_end_every_span(tracing: Any) -> None:
    async def main() -> None:
        async for _ in counting_graph().astream({"messages": [("user", "go")]}):
            break
        async for _ in prompt_chain().astream({"question": "Capital?"}):
            break
        async for _ in chat_model("one two three").astream("count"):
            break

    for _ in range(20):  # how far the closing gets before the loop shuts down varies from run to run
        asyncio.run(main())  # closes abandoned async generators on the way out
        gc.collect()
        assert len(handler().runs) == 0  # every run ended: reported by LangChain, or its manager died
    names = [s.name for s in tracing.spans()]
    for name in ("invoke_agent LangGraph", "step0", "RunnableSequence", "chat GenericFakeChatModel"):
        assert names.count(name) >= 20
    assert all(s.status.status_code is not StatusCode.ERROR for s in tracing.spans())


def test_exceptions_are_recorded_and_propagate_unchanged(tracing: Any) -> None:
    @tool
    def flaky(city: str) -> str:
        """Always fails."""
        raise ValueError(f"no data for {city}")

    def call_tool(state: MessagesState) -> dict[str, Any]:
        return {"messages": [("ai", flaky.invoke({"city": "Atlantis"}))]}

    graph = StateGraph(MessagesState)
    graph.add_node("lookup", call_tool)
    graph.add_edge(START, "lookup")
    graph.add_edge("lookup", END)
    with pytest.raises(ValueError, match="no data for Atlantis"):
        graph.compile().invoke({"messages": [("user", "go")]})
    spans = tracing.spans()
    tool_span = tracing.span("execute_tool flaky")
    assert tool_span.status.status_code is StatusCode.ERROR
    assert tool_span.attributes[A.ERROR_TYPE] == "ValueError"
    assert [e.name for e in tool_span.events] == ["exception"]
    assert parent_of(spans, tool_span).name == "lookup"
    for name in ("lookup", "invoke_agent LangGraph"):
        assert tracing.span(name).status.status_code is StatusCode.ERROR
    record = tracing.observation("flaky")
    assert record["error"] == "no data for Atlantis" and record["level"] == "error"
    assert record["metadata"]["error_type"] == "ValueError"
    assert len(handler().runs) == 0


def test_graph_interrupt_is_recorded_but_not_an_error(tracing: Any) -> None:
    def review(state: MessagesState) -> dict[str, Any]:
        answer = interrupt("Approve the booking?")
        return {"messages": [("ai", f"human said {answer}")]}

    graph = StateGraph(MessagesState)
    graph.add_node("review", review)
    graph.add_edge(START, "review")
    graph.add_edge("review", END)
    app = graph.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "hitl-1"}}
    first = app.invoke({"messages": [("user", "book it")]}, config)
    assert "__interrupt__" in first
    second = app.invoke(Command(resume="yes"), config)
    assert second["messages"][-1].content == "human said yes"

    spans = tracing.spans()
    assert all(s.status.status_code is not StatusCode.ERROR for s in spans)
    interrupted = {s.name: s for s in spans if s.attributes.get(A.LANGGRAPH_INTERRUPTED)}
    assert sorted(interrupted) == ["invoke_agent LangGraph", "review"]  # the node, and the paused root
    assert [e.name for e in interrupted["review"].events] == ["langgraph.interrupt"]
    graphs = [s for s in spans if s.name == "invoke_agent LangGraph"]
    assert len(graphs) == 2 and all(g.attributes[A.SESSION_ID] == "hitl-1" for g in graphs)
    assert {r["level"] for r in tracing.observations()} == {"info"}
    assert [t["session_id"] for t in tracing.traces()] == ["hitl-1", "hitl-1"]
    assert len(handler().runs) == 0


def test_ten_thousand_runs_leave_the_map_empty(tracing: Any) -> None:
    double = RunnableLambda(lambda x: x * 2)
    for index in range(10_000):
        assert double.invoke(index) == index * 2
    assert len(handler().runs) == 0
    assert len(tracing.spans()) == 10_000


@pytest.mark.ends_streams  # it checks the end reason itself
def test_runs_that_never_end_are_bounded(tracing: Any) -> None:
    # its own map: what LangChain would do to one that is never told the end
    unfinished = FluxLoopCallbackHandler(handler().telemetry)
    sizes = []
    for index in range(12_000):
        unfinished.on_chain_start(None, {"i": index}, run_id=uuid.uuid4(), name="never_ends")
        if index % 1000 == 999:
            sizes.append(len(unfinished.runs))
    assert sizes[:10] == [1000 * (i + 1) for i in range(10)]
    assert sizes[10:] == [10_000, 10_000]  # no growth after 10,000 runs
    evicted = [s for s in tracing.spans() if s.attributes.get(A.FLUXLOOP_STREAM_END_REASON) == "evicted"]
    assert len(evicted) == 2_000  # the oldest runs' spans were ended, not leaked


class ExplodingProcessor(SpanProcessor):
    """A broken span processor: every span start raises."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        raise RuntimeError("processor exploded")


def test_tracing_failures_never_reach_the_chain(tracing: Any, caplog: pytest.LogCaptureFixture) -> None:
    # malformed callback arguments
    h = handler()
    h.on_chain_start(None, object(), run_id="not-a-uuid", metadata=42)  # type: ignore[arg-type]
    h.on_llm_end(object(), run_id=uuid.uuid4())
    h.on_tool_end(object(), run_id=None)  # type: ignore[arg-type]
    # a tracer that raises on every span start
    tracing.provider.add_span_processor(ExplodingProcessor())
    assert prompt_chain().invoke({"question": "Capital?"}) == "Paris is the capital of France."

    class Vectors(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[0.0] for _ in texts]

        def embed_query(self, text: str) -> list[float]:
            return [0.0]

    assert Vectors().embed_query("x") == [0.0]
    assert "callback failed" in caplog.text  # reported (once per callback), never raised
    caplog.clear()


def test_one_handler_per_callback_manager(tracing: Any) -> None:
    def count(manager: Any) -> tuple[int, int]:
        is_ours = lambda h: isinstance(h, FluxLoopCallbackHandler)  # noqa: E731
        return sum(map(is_ours, manager.handlers)), sum(map(is_ours, manager.inheritable_handlers))

    manager = CallbackManager.configure()
    assert count(manager) == (1, 1)
    assert count(manager.copy()) == (1, 1)
    assert count(manager.merge(CallbackManager.configure())) == (1, 1)
    assert count(CallbackManager.configure(inheritable_callbacks=manager)) == (1, 1)
    run_manager = manager.on_chain_start(None, {}, run_id=uuid.uuid4())
    assert count(run_manager.get_child()) == (1, 1)
    run_manager.on_chain_end({})
    # a user passing the handler explicitly does not get a second one
    explicit = CallbackManager.configure(inheritable_callbacks=[handler()])
    assert count(explicit) == (1, 1)


def _wrapped_everything() -> list[bool]:
    from langchain_core.embeddings.fake import DeterministicFakeEmbedding
    from langchain_core.retrievers import BaseRetriever
    from langgraph._internal import _runnable
    from langgraph.pregel.main import Pregel

    return [
        isinstance(BaseCallbackManager.__dict__["__init__"], FunctionWrapper),
        isinstance(runnable_config._set_config_context, FunctionWrapper),
        isinstance(_runnable._set_config_context, FunctionWrapper),
        isinstance(BaseChatModel.__dict__["generate"], FunctionWrapper),
        isinstance(BaseChatModel.__dict__["astream"], FunctionWrapper),
        isinstance(BaseRetriever.__dict__["invoke"], FunctionWrapper),
        isinstance(Pregel.__dict__["stream"], FunctionWrapper),
        isinstance(DeterministicFakeEmbedding.__dict__["embed_query"], FunctionWrapper),
        "__init_subclass__" in Embeddings.__dict__,
        "__init__" in AsyncRunManager.__dict__,  # wrapped where it was inherited: removed again
    ]


def test_uninstrument_restores_and_instrument_is_idempotent(tracing: Any) -> None:
    instrumentor = LangChainInstrumentor()
    assert all(_wrapped_everything())
    instrumentor.instrument()  # a second call changes nothing
    instrumentor.uninstrument()
    try:
        assert not any(_wrapped_everything())
        prompt_chain().invoke({"question": "Capital?"})
        assert tracing.spans() == []
    finally:
        instrumentor.instrument(tracer_provider=tracing.provider)
    assert all(_wrapped_everything())
    prompt_chain().invoke({"question": "Capital?"})
    assert [s.name for s in tracing.spans()].count("RunnableSequence") == 1
    assert len(tracing.spans()) == 4


def test_reconfiguring_follows_the_new_provider(tracing: Any, tmp_path: Any) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import fluxloop_otel

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fluxloop_otel.configure(tracer_provider=provider, offline_store_dir=str(tmp_path / "other"))
    try:
        chat_model().invoke("hi")
    finally:
        provider.shutdown()
    assert [s.name for s in exporter.get_finished_spans()] == ["chat GenericFakeChatModel"]
    assert tracing.spans() == []


def test_explicit_tracer_provider(tracing: Any) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = LangChainInstrumentor()
    instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=provider)
    try:
        chat_model().invoke("hi")
    finally:
        instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=tracing.provider)
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["chat GenericFakeChatModel"]
    assert spans[0].instrumentation_scope.name == "fluxloop_otel.instrumentation.langchain"
    assert tracing.spans() == []
