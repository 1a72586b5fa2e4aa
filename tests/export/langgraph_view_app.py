"""A LangGraph agent (system prompt, a bound tool, a thread id, token usage) traced by
``fluxloop_otel.configure()`` only; prints ``{"trace_ids": [...], "flushed": bool}`` last."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END, START, MessagesState, StateGraph

import fluxloop_otel

fluxloop_otel.configure(service_name="langgraph-view")


@tool
def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


class ChatFake(GenericFakeChatModel):
    """Binds tools the way ChatOpenAI does; reports a priced model name."""

    model_name: str = "gpt-4o"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)


model = ChatFake(
    messages=iter([AIMessage("It is sunny in Paris.", usage_metadata={"input_tokens": 1000, "output_tokens": 100, "total_tokens": 1100})])
).bind_tools([get_weather])


def chat(state: MessagesState) -> dict:
    return {"messages": [model.invoke([SystemMessage("You are a terse weather bot."), *state["messages"]])]}


builder = StateGraph(MessagesState)
builder.add_node("chat", chat)
builder.add_edge(START, "chat")
builder.add_edge("chat", END)
graph = builder.compile(name="weather_agent")
graph.invoke({"messages": [HumanMessage("Weather in Paris?")]}, config={"configurable": {"thread_id": "thread-7"}})

flushed = fluxloop_otel.force_flush(20)
records = [json.loads(line) for line in (Path(os.environ["FLUXLOOP_OFFLINE_DIR"]) / "observations.jsonl").read_text().splitlines()]
trace_ids = sorted({record["trace_id"].replace("-", "") for record in records})
print(json.dumps({"trace_ids": trace_ids, "flushed": flushed}))
