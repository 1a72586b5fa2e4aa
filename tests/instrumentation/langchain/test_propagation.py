"""Context flows both ways: LangChain runs nest under the active span, and spans started inside
a running component (user spans, fluxloop-otel decorators, httpx) nest under its span.

Every case is asserted by parent span ids; the autouse fixture also fails the test if
OpenTelemetry logged "Failed to detach context".
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import BaseTool, tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, create_react_agent
from opentelemetry import trace

import fluxloop_otel
from fluxloop_otel.semconv import attributes as A

from support.lc_fakes import ToolCallingModel, prompt_chain
from support.spans import named, parent_of

MODES = ["invoke", "ainvoke", "batch", "abatch", "stream", "astream", "astream_events"]


def run(runnable: Any, mode: str, inputs: list[Any]) -> None:
    """Drive ``runnable`` through one LangChain entry point (batch modes take all inputs)."""
    if mode == "invoke":
        for item in inputs:
            runnable.invoke(item)
    elif mode == "batch":
        runnable.batch(inputs)
    elif mode == "stream":
        for item in inputs:
            for _ in runnable.stream(item):
                pass
    else:

        async def main() -> None:
            for item in inputs if mode != "abatch" else [None]:
                if mode == "ainvoke":
                    await runnable.ainvoke(item)
                elif mode == "abatch":
                    await runnable.abatch(inputs)
                elif mode == "astream":
                    async for _ in runnable.astream(item):
                        pass
                else:
                    async for _ in runnable.astream_events(item, version="v2"):
                        pass

        asyncio.run(main())


def make_tools(user_tracer: Any, url: str | None = None, threads: set[int] | None = None) -> list[BaseTool]:
    """Two sync tools that open a user span, call a decorated helper and (optionally) make an HTTP request."""

    @fluxloop_otel.trace(name="helper")
    def helper(value: str) -> str:
        return value.lower()

    def work(kind: str, value: str) -> str:
        if threads is not None:
            threads.add(threading.get_ident())
        with user_tracer.start_as_current_span(f"user.{kind}"):
            helper(value)
            if url is not None:
                httpx.get(f"{url}/{kind}/{value}")
        return f"{kind}:{value}"

    @tool
    def get_weather(city: str) -> str:
        """Current weather of a city."""
        return work("weather", city)

    @tool
    def get_time(city: str) -> str:
        """Local time of a city."""
        return work("time", city)

    return [get_weather, get_time]


def assert_one_tree(spans: list[Any]) -> None:
    """One trace, one root, every parent present (nothing orphaned)."""
    assert len({s.context.trace_id for s in spans}) == 1, [s.name for s in spans]
    roots = [s for s in spans if s.parent is None]
    assert len(roots) == 1, [s.name for s in roots]
    ids = {s.context.span_id for s in spans}
    assert all(s.parent.span_id in ids for s in spans if s.parent is not None)


def assert_user_spans_nested(spans: list[Any], kinds: tuple[str, ...] = ("weather", "time")) -> None:
    for kind in kinds:
        users = named(spans, f"user.{kind}")
        assert users, f"no user.{kind} span"
        for user in users:
            tool_span = parent_of(spans, user)
            assert tool_span is not None and tool_span.attributes[A.FLUXLOOP_OBSERVATION_TYPE] == "tool", (
                user.name,
                tool_span,
            )
            helpers = [s for s in spans if s.name == "helper" and s.parent.span_id == user.context.span_id]
            assert len(helpers) == 1


@pytest.mark.parametrize("mode", MODES)
def test_spans_inside_a_tool_nest_under_it(tracing: Any, user_tracer: Any, mode: str) -> None:
    weather, _ = make_tools(user_tracer)
    chain = RunnableLambda(lambda city: {"city": city}) | weather
    run(chain, mode, ["Paris", "Rome"])
    spans = tracing.spans()
    users = named(spans, "user.weather")
    assert len(users) == 2
    for user in users:
        tool_span = parent_of(spans, user)
        assert tool_span.name == "execute_tool get_weather"
        assert parent_of(spans, tool_span).name == "RunnableSequence"
    assert_user_spans_nested(spans, ("weather",))
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing leaked into the caller


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream", "astream_events"])
def test_react_agent_with_http_tools_is_one_trace(
    tracing: Any, user_tracer: Any, http_server: str, httpx_instrumented: Any, mode: str
) -> None:
    threads: set[int] = set()
    tools = make_tools(user_tracer, http_server, threads)
    model = ToolCallingModel(
        calls=[
            {"name": "get_weather", "args": {"city": "Paris"}},
            {"name": "get_time", "args": {"city": "Paris"}},
        ]
    )
    with pytest.warns(Warning):
        agent = create_react_agent(model, tools, name="travel_agent")
    run(agent, mode, [{"messages": [("user", "Paris?")]}])
    spans = tracing.spans()
    assert_one_tree(spans)
    assert_user_spans_nested(spans)
    requests = [s for s in spans if s.name.startswith("GET")]
    assert len(requests) == 2
    for request in requests:
        assert parent_of(spans, request).name in ("user.weather", "user.time")
    if mode.startswith("a"):
        assert threading.main_thread().ident not in threads  # sync tools ran in LangChain's thread pool


def test_sync_tool_in_thread_pool_under_async_graph(tracing: Any, user_tracer: Any) -> None:
    threads: set[int] = set()
    tools = make_tools(user_tracer, threads=threads)
    model = ToolCallingModel(calls=[{"name": "get_weather", "args": {"city": "Oslo"}}])

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "tools")
    graph.add_edge("tools", END)
    loop_thread: list[int] = []

    async def main() -> None:
        loop_thread.append(threading.get_ident())
        await graph.compile().ainvoke({"messages": [("user", "Oslo?")]})

    asyncio.run(main())
    assert threads and loop_thread[0] not in threads
    spans = tracing.spans()
    user = tracing.span("user.weather")
    tool_span = parent_of(spans, user)
    assert tool_span.name == "execute_tool get_weather"
    assert parent_of(spans, tool_span).name == "tools"
    assert_one_tree(spans)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_langgraph_node_spans(tracing: Any, user_tracer: Any, asynchronous: bool) -> None:
    def body(state: MessagesState) -> dict[str, Any]:
        with user_tracer.start_as_current_span("user.node"):
            return {"messages": [("ai", "ok")]}

    async def abody(state: MessagesState) -> dict[str, Any]:
        await asyncio.sleep(0)
        return body(state)

    graph = StateGraph(MessagesState)
    graph.add_node("work", abody if asynchronous else body)
    graph.add_edge(START, "work")
    graph.add_edge("work", END)
    app = graph.compile()
    if asynchronous:
        asyncio.run(app.ainvoke({"messages": [("user", "hi")]}))
    else:
        app.invoke({"messages": [("user", "hi")]})
    spans = tracing.spans()
    node = parent_of(spans, tracing.span("user.node"))
    assert node.name == "work" and node.attributes[A.LANGGRAPH_NODE] == "work"
    assert parent_of(spans, node).name == "invoke_agent LangGraph"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_root_runs_join_the_active_span(tracing: Any, user_tracer: Any, asynchronous: bool) -> None:
    @fluxloop_otel.agent(name="handler")
    def handle(question: str) -> str:
        return prompt_chain().invoke({"question": question})

    @fluxloop_otel.agent(name="handler")
    async def ahandle(question: str) -> str:
        return await prompt_chain().ainvoke({"question": question})

    with user_tracer.start_as_current_span("http.request"):
        if asynchronous:
            asyncio.run(ahandle("Capital?"))
        else:
            handle("Capital?")
    spans = tracing.spans()
    sequence = tracing.span("RunnableSequence")
    assert parent_of(spans, sequence).name == "invoke_agent handler"
    assert parent_of(spans, parent_of(spans, sequence)).name == "http.request"
    assert_one_tree(spans)


class HttpChatModel(BaseChatModel):
    """A provider-like chat model: every call makes an HTTP request (as a real client would)."""

    url: str

    @property
    def _llm_type(self) -> str:
        return "http-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        reply = httpx.get(f"{self.url}/chat/generate").json()["forecast"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        async with httpx.AsyncClient() as client:
            reply = (await client.get(f"{self.url}/chat/agenerate")).json()["forecast"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        for word in ("a", "b"):
            httpx.get(f"{self.url}/chat/stream")
            yield ChatGenerationChunk(message=AIMessageChunk(word))

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        async with httpx.AsyncClient() as client:
            for word in ("a", "b"):
                await client.get(f"{self.url}/chat/astream")
                yield ChatGenerationChunk(message=AIMessageChunk(word))


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream", "batch"])
def test_http_calls_inside_a_chat_model_nest_under_it(
    tracing: Any, user_tracer: Any, http_server: str, httpx_instrumented: Any, mode: str
) -> None:
    model = HttpChatModel(url=http_server)
    with user_tracer.start_as_current_span("caller") as caller:
        run(model, mode, ["hello"])
        assert trace.get_current_span() is caller  # the model's span never leaked into the caller
    spans = tracing.spans()
    requests = [s for s in spans if s.name.startswith("GET")]
    assert requests
    for request in requests:
        assert parent_of(spans, request).name == "chat HttpChatModel"
    assert_one_tree(spans)


def test_spans_inside_a_retriever_nest_under_it(tracing: Any, user_tracer: Any) -> None:
    class TracedRetriever(BaseRetriever):
        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ) -> list[Document]:
            with user_tracer.start_as_current_span("user.search"):
                return [Document(page_content=query)]

    retriever = TracedRetriever()
    retriever.invoke("one")
    asyncio.run(retriever.ainvoke("two"))  # the default async path runs the sync one in a thread
    spans = tracing.spans()
    searches = named(spans, "user.search")
    assert len(searches) == 2
    assert {parent_of(spans, s).name for s in searches} == {"retrieval TracedRetriever"}


def test_decorated_function_calling_a_chain_from_a_tool(tracing: Any, user_tracer: Any) -> None:
    """tool -> @trace function -> chain: the chain nests under the decorated span, not beside it."""

    @fluxloop_otel.trace(name="summarize")
    def summarize(text: str) -> str:
        return prompt_chain().invoke({"question": text})

    @tool
    def summary(text: str) -> str:
        """Summarize a text."""
        return summarize(text)

    summary.invoke({"text": "long text"})
    spans = tracing.spans()
    decorated = tracing.span("summarize")
    assert parent_of(spans, decorated).name == "execute_tool summary"
    assert parent_of(spans, tracing.span("RunnableSequence")).name == "summarize"
    assert_one_tree(spans)
