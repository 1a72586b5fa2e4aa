"""A realistic application, as a new user writes it: LangChain 1.x ``create_agent`` with the real
``ChatOpenAI`` client, tools doing HTTP, a vector-store retriever on ``OpenAIEmbeddings``, inside a
LangGraph graph with a checkpointer and thread ids; everything against the loopback
OpenAI-compatible server of :mod:`support.openai_server`.
"""

from __future__ import annotations

from typing import Any

import httpx
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command

API_KEY = "sk-loopback-test-key-0000000000000000"

DOCUMENTS = [
    Document("Refunds are possible within 30 days of purchase.", id="doc-refund", metadata={"source": "policy.md", "section": "refunds"}),
    Document("Shipping takes three to five business days.", id="doc-ship", metadata={"source": "policy.md", "section": "shipping"}),
    Document("Support is open Monday to Friday.", id="doc-support", metadata={"source": "faq.md", "section": "support"}),
]


def build_app(server_url: str, *, streaming: bool = False) -> Any:
    """The compiled outer graph: ``triage`` (a Command) -> ``assistant`` (the create_agent graph)."""
    base_url = f"{server_url}/v1"
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small", base_url=base_url, api_key=API_KEY, check_embedding_ctx_length=False
    )
    store = InMemoryVectorStore(embeddings)
    store.add_documents(DOCUMENTS)
    retriever = store.as_retriever(search_kwargs={"k": 2})

    @tool
    def get_weather(city: str) -> str:
        """The weather forecast of a city."""
        return httpx.get(f"{server_url}/weather/{city}").text

    @tool
    def search_docs(query: str) -> str:
        """Search the company documents."""
        return "\n".join(doc.page_content for doc in retriever.invoke(query))

    model = ChatOpenAI(model="gpt-4o-mini", base_url=base_url, api_key=API_KEY, streaming=streaming, stream_usage=True, temperature=0.2)
    assistant = create_agent(model, tools=[get_weather, search_docs], system_prompt="You are a helpful assistant.", name="assistant")

    def triage(state: MessagesState) -> Command[Any]:
        return Command(goto="assistant", update={"messages": []})

    graph = StateGraph(MessagesState)
    graph.add_node("triage", triage)
    graph.add_node("assistant", assistant)
    graph.add_edge(START, "triage")
    graph.add_edge("assistant", END)
    return graph.compile(checkpointer=InMemorySaver(), name="support_app")


def ask(app: Any, question: str, thread_id: str, *, stream: bool = False) -> Any:
    """One turn of the conversation (``stream``: consumed through ``app.stream``, messages mode)."""
    config = {"configurable": {"thread_id": thread_id}}
    inputs = {"messages": [("user", question)]}
    if not stream:
        return app.invoke(inputs, config)
    return list(app.stream(inputs, config, stream_mode="messages"))
