"""What each LangChain / LangGraph run becomes: span tree, names, types, attributes, JSONL records."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, create_react_agent, tools_condition

from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A

from support.lc_fakes import MODEL_NAME, ToolCallingModel, chat_model, prompt_chain, retriever, span_tree
from support.spans import named, parent_of


def kinds(tracing: Any) -> list[str]:
    return span_tree(tracing.spans(), lambda s: f"{s.name} [{s.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE)}]")


@tool
def get_weather(city: str) -> str:
    """Current weather of a city."""
    return f"{city}: sunny, 21C"


@tool
def search_docs(query: str) -> str:
    """Search the travel handbook."""
    return " | ".join(d.page_content for d in retriever().invoke(query))


def weather_model() -> ToolCallingModel:
    return ToolCallingModel(
        calls=[
            {"name": "get_weather", "args": {"city": "Paris"}},
            {"name": "search_docs", "args": {"query": "capital of France"}},
        ]
    )


def two_node_graph() -> Any:
    """agent (model) -> tools (ToolNode) -> agent -> finish."""
    model = weather_model()

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    def finish(state: MessagesState) -> dict[str, Any]:
        return {"messages": [("ai", "done")]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([get_weather, search_docs]))
    graph.add_node("finish", finish)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: "finish"})
    graph.add_edge("tools", "agent")
    graph.add_edge("finish", END)
    return graph.compile(name="weather_graph")


def test_prompt_model_parser_chain(tracing: Any) -> None:
    assert prompt_chain().invoke({"question": "Capital of France?"}) == "Paris is the capital of France."
    assert kinds(tracing) == [
        "RunnableSequence [chain]",
        "  ChatPromptTemplate [chain]",
        "  chat GenericFakeChatModel [generation]",
        "  StrOutputParser [chain]",
    ]
    chat = tracing.span("chat GenericFakeChatModel")
    assert chat.attributes[A.GEN_AI_OPERATION_NAME] == "chat"
    assert chat.attributes[A.GEN_AI_PROVIDER_NAME] == "genericfakechatmodel"
    messages = json.loads(chat.attributes[A.GEN_AI_INPUT_MESSAGES])
    assert [m["role"] for m in messages] == ["user"]  # the system message is an instruction, recorded apart
    assert messages[0]["parts"] == [{"type": "text", "content": "Capital of France?"}]
    assert json.loads(chat.attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS])[0]["type"] == "text"
    output = json.loads(chat.attributes[A.GEN_AI_OUTPUT_MESSAGES])
    assert output == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Paris is the capital of France."}],
            "finish_reason": "stop",
        }
    ]
    sequence = tracing.span("RunnableSequence")
    assert json.loads(sequence.attributes[A.INPUT_VALUE]) == {"question": "Capital of France?"}
    assert sequence.attributes[A.OUTPUT_VALUE] == "Paris is the capital of France."

    records = {r["name"]: r for r in tracing.observations()}
    assert {n: r["type"] for n, r in records.items()} == {
        "RunnableSequence": "chain",
        "ChatPromptTemplate": "chain",
        "GenericFakeChatModel": "generation",
        "StrOutputParser": "chain",
    }
    root = records["RunnableSequence"]
    assert "parent_observation_id" not in root
    for name in ("ChatPromptTemplate", "GenericFakeChatModel", "StrOutputParser"):
        assert records[name]["parent_observation_id"] == root["id"]
        assert records[name]["trace_id"] == root["trace_id"]
    assert records["GenericFakeChatModel"]["output"] == "Paris is the capital of France."
    assert [t["name"] for t in tracing.traces()] == ["RunnableSequence"]


def test_state_graph_with_tool_node(tracing: Any) -> None:
    result = two_node_graph().invoke(
        {"messages": [("user", "Weather in Paris?")]}, {"configurable": {"thread_id": "thread-7"}}
    )
    assert result["messages"][-1].content == "done"
    tree = kinds(tracing)
    weather = ["    execute_tool get_weather [tool]"]
    search = ["    execute_tool search_docs [tool]", "      retrieval KeywordRetriever [retrieval]"]
    assert tree[5:8] in (weather + search, search + weather)  # ToolNode runs the calls in parallel
    assert tree[:5] + tree[8:] == [
        "invoke_agent weather_graph [agent]",
        "  agent [chain]",
        "    chat fake-tool-model [generation]",
        "    tools_condition [chain]",
        "  tools [chain]",
        "  agent [chain]",
        "    chat fake-tool-model [generation]",
        "    tools_condition [chain]",
        "  finish [chain]",
    ]
    spans = tracing.spans()
    graph = tracing.span("invoke_agent weather_graph")
    assert graph.attributes[A.GEN_AI_AGENT_NAME] == "weather_graph"
    assert graph.attributes[A.GEN_AI_CONVERSATION_ID] == "thread-7"
    assert graph.attributes[A.SESSION_ID] == "thread-7"
    steps = [
        (s.attributes[A.LANGGRAPH_NODE], s.attributes[A.LANGGRAPH_STEP])
        for s in spans
        if A.LANGGRAPH_NODE in s.attributes
    ]
    assert sorted(steps, key=lambda x: x[1]) == [("agent", 1), ("tools", 2), ("agent", 3), ("finish", 4)]

    first_chat = min(named(spans, "chat fake-tool-model"), key=lambda s: s.start_time)
    attributes = first_chat.attributes
    assert attributes[A.GEN_AI_REQUEST_MODEL] == MODEL_NAME
    assert attributes[A.GEN_AI_RESPONSE_MODEL] == MODEL_NAME
    assert attributes[A.GEN_AI_REQUEST_TEMPERATURE] == 0.2
    assert (
        attributes[A.GEN_AI_USAGE_INPUT_TOKENS],
        attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS],
        attributes[A.LLM_TOKEN_COUNT_TOTAL],
    ) == (12, 5, 17)
    assert list(attributes[A.GEN_AI_RESPONSE_FINISH_REASONS]) == ["tool_calls"]
    calls = json.loads(attributes[A.GEN_AI_OUTPUT_MESSAGES])[0]["parts"]
    assert [(c["type"], c["name"], c["id"]) for c in calls] == [
        ("tool_call", "get_weather", "call_0"),
        ("tool_call", "search_docs", "call_1"),
    ]

    weather = tracing.span("execute_tool get_weather")
    assert weather.attributes[A.GEN_AI_TOOL_NAME] == "get_weather"
    assert weather.attributes[A.GEN_AI_TOOL_DESCRIPTION] == "Current weather of a city."
    assert weather.attributes[A.GEN_AI_TOOL_CALL_ID] == "call_0"
    assert json.loads(weather.attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"city": "Paris"}
    assert weather.attributes[A.GEN_AI_TOOL_CALL_RESULT] == "Paris: sunny, 21C"

    records = tracing.observations()
    by_id = {r["id"]: r for r in records}
    tool_record = next(r for r in records if r["name"] == "get_weather")
    assert tool_record["type"] == "tool" and tool_record["output"] == "Paris: sunny, 21C"
    assert by_id[tool_record["parent_observation_id"]]["name"] == "tools"
    generations = [r for r in records if r["type"] == "generation"]
    assert [
        (g["model"], g["prompt_tokens"], g["completion_tokens"], g["total_tokens"]) for g in generations
    ] == [(MODEL_NAME, 12, 5, 17)] * 2
    agent_record = next(r for r in records if r["type"] == "agent")
    assert agent_record["name"] == "weather_graph"
    assert all(by_id[g["parent_observation_id"]]["name"] == "agent" for g in generations)
    traces = tracing.traces()
    assert [(t["name"], t["session_id"]) for t in traces] == [("weather_graph", "thread-7")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_create_react_agent(tracing: Any) -> None:
    agent = create_react_agent(weather_model(), [get_weather, search_docs], name="travel_agent")
    result = agent.invoke({"messages": [("user", "Weather in Paris?")]})
    assert result["messages"][-1].content.startswith("Answer: Paris: sunny")
    spans = tracing.spans()
    tree = kinds(tracing)
    assert tree[0] == "invoke_agent travel_agent [agent]"
    assert tree[1] == "  agent [chain]"
    # create_react_agent sends each tool call to its own "tools" task
    assert tree.count("  tools [chain]") == 2 and tree.count("  agent [chain]") == 2
    chats = named(spans, "chat fake-tool-model")
    assert len(chats) == 2
    for chat in chats:  # LangChain's own parent: the prompt|model sequence inside the node
        assert parent_of(spans, chat).name == "RunnableSequence"
        assert parent_of(spans, parent_of(spans, chat)).name == "agent"
    tools = [s for s in spans if s.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE) == "tool"]
    assert sorted(s.name for s in tools) == ["execute_tool get_weather", "execute_tool search_docs"]
    assert {parent_of(spans, s).name for s in tools} == {"tools"}
    types = {r["type"] for r in tracing.observations()}
    assert {"agent", "chain", "generation", "tool", "retrieval"} <= types


def test_retriever_documents(tracing: Any) -> None:
    documents = retriever().invoke("capital of France")
    assert [d.id for d in documents] == ["doc-1", "doc-2", "doc-3"]
    span = tracing.span("retrieval KeywordRetriever")
    attributes = span.attributes
    assert attributes[A.FLUXLOOP_OBSERVATION_TYPE] == "retrieval"
    assert attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] == "capital of France"
    assert attributes["retrieval.documents.0.document.id"] == "doc-1"
    assert attributes["retrieval.documents.0.document.content"] == "Paris is the capital of France"
    assert attributes["retrieval.documents.0.document.score"] == 1.0
    assert json.loads(attributes["retrieval.documents.2.document.metadata"]) == {
        "source": "rivers",
        "score": 0.0,
    }
    assert attributes["retrieval.documents.1.document.score"] == 2 / 3
    summary = json.loads(attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS])
    assert [d["id"] for d in summary] == ["doc-1", "doc-2", "doc-3"]
    record = tracing.observation("KeywordRetriever")
    assert record["type"] == "retrieval"
    assert record["input"] == "capital of France"
    assert [d["id"] for d in record["output"]] == ["doc-1", "doc-2", "doc-3"]


def test_embeddings_sync_async_and_new_subclasses(tracing: Any) -> None:
    embeddings = DeterministicFakeEmbedding(size=8)
    vectors = embeddings.embed_documents(["alpha", "beta"])
    assert len(vectors) == 2
    asyncio.run(embeddings.aembed_query("gamma"))  # the default aembed_query runs embed_query in a thread

    class LateEmbeddings(Embeddings):  # defined after instrumentation started
        model: str = "late-model"

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 2.0, 3.0] for _ in texts]

        def embed_query(self, text: str) -> list[float]:
            return [1.0, 2.0, 3.0]

    LateEmbeddings().embed_query("delta")
    spans = tracing.spans()
    assert [s.name for s in spans] == [
        "embeddings DeterministicFakeEmbedding",
        "embeddings DeterministicFakeEmbedding",
        "embeddings late-model",
    ]
    assert [s.attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] for s in spans] == [8, 8, 3]
    assert [s.attributes[A.FLUXLOOP_EMBEDDING_COUNT] for s in spans] == [2, 1, 1]
    assert json.loads(spans[0].attributes[A.OUTPUT_VALUE]) == {"embeddings": 2, "dimensions": 8}
    assert spans[2].attributes[A.GEN_AI_REQUEST_MODEL] == "late-model"
    records = tracing.observations()
    assert [(r["type"], r["name"]) for r in records] == [("embedding", "DeterministicFakeEmbedding")] * 2 + [
        ("embedding", "LateEmbeddings")
    ]
    assert records[2]["model"] == "late-model"


def test_streaming_records_time_to_first_chunk(tracing: Any) -> None:
    chunks = list(chat_model("one two three").stream("count"))
    assert "".join(c.content for c in chunks) == "one two three"
    span = tracing.span("chat GenericFakeChatModel")
    assert span.attributes[A.GEN_AI_REQUEST_STREAM] is True
    assert span.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0
    assert span.attributes[A.FLUXLOOP_STREAM_CHUNKS] >= 3
    assert span.attributes[A.OUTPUT_VALUE] == "one two three"


def test_text_completion_llm(tracing: Any) -> None:
    assert FakeListLLM(responses=["forty-two"]).invoke("meaning of life?") == "forty-two"
    span = tracing.span("text_completion FakeListLLM")
    assert span.attributes[A.GEN_AI_OPERATION_NAME] == "text_completion"
    assert (
        json.loads(span.attributes[A.GEN_AI_INPUT_MESSAGES])[0]["parts"][0]["content"] == "meaning of life?"
    )
    assert tracing.observation("FakeListLLM")["type"] == "generation"


def test_agent_executor_name_is_an_agent(tracing: Any) -> None:
    RunnableLambda(lambda x: x).with_config(run_name="AgentExecutor").invoke("hi")
    span = tracing.span("invoke_agent AgentExecutor")
    assert span.attributes[A.FLUXLOOP_OBSERVATION_TYPE] == "agent"


@pytest.fixture
def hide_internal(tracing: Any) -> Any:
    instrumentor = LangChainInstrumentor()
    instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=tracing.provider, hide_internal_runnables=True)
    try:
        yield
    finally:
        instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=tracing.provider)


def test_hidden_plumbing_keeps_parentage(tracing: Any, hide_internal: Any, user_tracer: Any) -> None:
    def shout(text: str) -> str:
        with user_tracer.start_as_current_span("user.shout"):
            return text.upper()

    inner = prompt_chain() | RunnableLambda(shout)

    def answer(state: MessagesState) -> dict[str, Any]:
        return {"messages": [("ai", inner.invoke({"question": state["messages"][-1].content}))]}

    graph = StateGraph(MessagesState)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    graph.compile().invoke({"messages": [("user", "Capital?")]})
    assert kinds(tracing) == [
        "invoke_agent LangGraph [agent]",
        "  answer [chain]",
        "    ChatPromptTemplate [chain]",
        "    chat GenericFakeChatModel [generation]",
        "    StrOutputParser [chain]",
        "    shout [chain]",
        "      user.shout [None]",
    ]


def test_configure_option_hides_plumbing_and_a_later_call_shows_it_again(tracing: Any) -> None:
    import fluxloop_otel

    outer = RunnableLambda(lambda question: (prompt_chain() | RunnableLambda(str.upper)).invoke(question))
    outer = outer.with_config(run_name="outer")

    fluxloop_otel.configure(
        tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), langchain_hide_internal=True
    )
    outer.invoke({"question": "Capital?"})
    hidden = kinds(tracing)
    tracing.exporter.clear()

    fluxloop_otel.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory))
    outer.invoke({"question": "Capital?"})
    shown = kinds(tracing)

    assert "  RunnableSequence [chain]" not in hidden
    assert "  chat GenericFakeChatModel [generation]" in hidden  # re-parented to the visible ancestor
    assert "  RunnableSequence [chain]" in shown
    assert "    chat GenericFakeChatModel [generation]" in shown


def test_tool_call_with_artifact(tracing: Any) -> None:
    @tool(response_format="content_and_artifact")
    def search(query: str) -> tuple[str, list[str]]:
        """Search and return the raw hits too."""
        return f"2 hits for {query}", ["hit-1", "hit-2"]

    message = search.invoke(
        {"name": "search", "args": {"query": "paris"}, "id": "call_42", "type": "tool_call"}
    )
    assert message.artifact == ["hit-1", "hit-2"]
    span = tracing.span("execute_tool search")
    assert span.attributes[A.GEN_AI_TOOL_CALL_ID] == "call_42"
    assert span.attributes[A.GEN_AI_TOOL_CALL_RESULT] == "2 hits for paris"
    assert json.loads(span.attributes[A.OUTPUT_VALUE]) == {
        "content": "2 hits for paris",
        "artifact": ["hit-1", "hit-2"],
    }
    record = tracing.observation("search")
    assert record["output"] == {"content": "2 hits for paris", "artifact": ["hit-1", "hit-2"]}
