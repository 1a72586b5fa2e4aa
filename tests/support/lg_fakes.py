"""Real LangGraph / LangChain 1.x objects for the agent tests: a scripted tool-calling chat model
that binds tools the way provider models do, and small graphs."""

from __future__ import annotations

from typing import Any, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

MODEL_NAME = "scripted-model"
USAGE = {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14}


class ScriptedModel(BaseChatModel):
    """Turn ``n`` of a conversation (``n`` = AI messages so far) answers ``script[n]``: a string
    (final answer) or a list of ``{"name", "args"}`` tool calls. ``bind_tools`` binds the tools
    in the OpenAI format, as provider chat models do (they reach the callbacks in the
    invocation parameters)."""

    model_name: str = MODEL_NAME
    script: list[Any] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Runnable[Any, BaseMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        turn = sum(1 for m in messages if m.type == "ai")
        step = self.script[min(turn, len(self.script) - 1)] if self.script else "ok"
        metadata = {"model_name": MODEL_NAME}
        if isinstance(step, str):
            results = [str(m.content) for m in messages if m.type == "tool"]
            text = step.format(results="; ".join(results))
            message = AIMessage(text, usage_metadata=dict(USAGE), response_metadata={**metadata, "finish_reason": "stop"})  # type: ignore[arg-type]
        else:
            calls = [{"name": c["name"], "args": c["args"], "id": f"call_{turn}_{i}"} for i, c in enumerate(step)]
            message = AIMessage(
                "", tool_calls=calls, usage_metadata=dict(USAGE),  # type: ignore[arg-type]
                response_metadata={**metadata, "finish_reason": "tool_calls"},
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        return self._generate(messages, stop, None, **kwargs)
