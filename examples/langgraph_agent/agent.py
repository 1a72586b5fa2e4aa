"""A LangGraph ReAct agent: a scripted tool-calling model, two tools and a retriever.

No network and no tracing code: the traces come from outside, either zero-code

    opentelemetry-instrument python agent.py

or from one ``fluxloop_otel.configure()`` call (``python traced.py``). Both write the
FluxLoop JSONL files to ./traces (``FLUXLOOP_OFFLINE_DIR``); ``fluxloop-otel show traces``
prints the trace tree.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

HANDBOOK = [
    Document(
        page_content="Museums in Paris are free on the first Sunday of the month.",
        metadata={"page": 12},
        id="hb-12",
    ),
    Document(page_content="The Louvre is closed on Tuesdays.", metadata={"page": 14}, id="hb-14"),
    Document(page_content="Paris metro tickets are valid for 90 minutes.", metadata={"page": 31}, id="hb-31"),
    Document(page_content="Lyon is two hours from Paris by train.", metadata={"page": 40}, id="hb-40"),
]
WEATHER = {"paris": "sunny, 21 °C", "lyon": "cloudy, 17 °C"}


class HandbookRetriever(BaseRetriever):
    """Keyword retrieval over the travel handbook (scores in the metadata)."""

    documents: list[Document]
    k: int = 2

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        words = set(query.lower().split())
        scored = [
            Document(
                d.page_content,
                metadata={
                    **d.metadata,
                    "score": round(len(words & set(d.page_content.lower().split())) / len(words), 2),
                },
                id=d.id,
            )
            for d in self.documents
        ]
        return sorted(scored, key=lambda d: -d.metadata["score"])[: self.k]


handbook = HandbookRetriever(documents=HANDBOOK)


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return WEATHER.get(city.lower(), "unknown")


@tool
def search_handbook(query: str) -> str:
    """Search the travel handbook."""
    return "\n".join(d.page_content for d in handbook.invoke(query))


class ScriptedToolModel(BaseChatModel):
    """Stands in for a real chat model: asks for both tools, then answers from their results."""

    model_name: str = "scripted-model-1"
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "ScriptedToolModel":
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        results = [m.content for m in messages if m.type == "tool"]
        usage = {
            "input_tokens": 20 * len(messages),
            "output_tokens": 12,
            "total_tokens": 20 * len(messages) + 12,
        }
        if not results:
            message = AIMessage(
                "",
                tool_calls=[
                    {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_weather"},
                    {"name": "search_handbook", "args": {"query": "museums in Paris"}, "id": "call_handbook"},
                ],
                usage_metadata=usage,  # type: ignore[arg-type]
                response_metadata={"model_name": self.model_name, "finish_reason": "tool_calls"},
            )
        else:
            message = AIMessage(
                f"Paris is {results[0]}. Tip: {results[1].splitlines()[0]}",
                usage_metadata=usage,  # type: ignore[arg-type]
                response_metadata={"model_name": self.model_name, "finish_reason": "stop"},
            )
        return ChatResult(generations=[ChatGeneration(message=message)])


def build_agent() -> Any:
    """agent (model) <-> tools (ToolNode), the ReAct loop."""
    model = ScriptedToolModel().bind_tools([get_weather, search_handbook])

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", call_model)
    graph.add_node("tools", ToolNode([get_weather, search_handbook]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile(name="travel_agent")


def main(question: str = "Any tips for a museum day in Paris?") -> str:
    agent = build_agent()
    result = agent.invoke({"messages": [("user", question)]}, {"configurable": {"thread_id": "demo-thread"}})
    answer = result["messages"][-1].content
    print(answer)
    return answer


if __name__ == "__main__":
    main(*sys.argv[1:2])
