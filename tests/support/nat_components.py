"""Real NAT components for the tests: a scripted tool-calling LLM registered with
``register_llm_provider`` / ``register_llm_client``, tool functions (``FunctionInfo.from_fn``
with Pydantic input models), a streaming function, a failing one, and a custom workflow.

Importing this module registers them once in NAT's global type registry.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from nat.builder.builder import Builder
from nat.builder.framework_enum import LLMFrameworkEnum
from nat.builder.function_info import FunctionInfo
from nat.builder.llm import LLMProviderInfo
from nat.cli.register_workflow import register_function, register_llm_client, register_llm_provider
from nat.data_models.function import FunctionBaseConfig
from nat.data_models.llm import LLMBaseConfig
from opentelemetry import trace
from pydantic import BaseModel, Field

MODEL = "nat-fake-tool-model"
USAGE = {"input_tokens": 21, "output_tokens": 8, "total_tokens": 29}

#: Spans started inside tools go to this tracer (a test sets it to its provider's).
user_tracer: Any = trace.NoOpTracer()
#: Set by the streaming function's ``finally``: NAT's generator was closed.
stream_events: list[str] = []


class ScriptedToolModel(BaseChatModel):
    """Asks for ``calls`` on the first turn, then answers with the tool results."""

    calls: list[dict[str, Any]] = []
    model_name: str = MODEL

    @property
    def _llm_type(self) -> str:
        return "nat-scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        results = [str(m.content) for m in messages if m.type == "tool"]
        meta = {"model_name": MODEL}
        if not results and self.calls:
            message = AIMessage(
                "",
                tool_calls=[{**call, "id": f"call_{i}"} for i, call in enumerate(self.calls)],
                usage_metadata=dict(USAGE),  # type: ignore[arg-type]
                response_metadata={**meta, "finish_reason": "tool_calls"},
            )
        else:
            message = AIMessage(
                "Answer: " + "; ".join(results),
                usage_metadata=dict(USAGE),  # type: ignore[arg-type]
                response_metadata={**meta, "finish_reason": "stop"},
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return self._generate(messages, stop, None, **kwargs)


# -- the LLM -----------------------------------------------------------------------------------------
class ScriptedLLMConfig(LLMBaseConfig, name="fluxloop_scripted_llm"):
    """A scripted LLM: ``calls`` are the tool calls of its first turn."""

    calls: list[dict[str, Any]] = Field(default_factory=list)


@register_llm_provider(config_type=ScriptedLLMConfig)
async def scripted_llm(config: ScriptedLLMConfig, builder: Builder):
    yield LLMProviderInfo(config=config, description="A scripted tool-calling model (no network).")


@register_llm_client(config_type=ScriptedLLMConfig, wrapper_type=LLMFrameworkEnum.LANGCHAIN)
async def scripted_llm_langchain(config: ScriptedLLMConfig, builder: Builder):
    yield ScriptedToolModel(calls=config.calls)


# -- tools -------------------------------------------------------------------------------------------
class WeatherInput(BaseModel):
    city: str = Field(description="The city to look up")
    unit: str = Field(default="celsius", description="celsius or fahrenheit")


class WeatherToolConfig(FunctionBaseConfig, name="fluxloop_weather"):
    pass


async def _weather(query: WeatherInput) -> str:
    with user_tracer.start_as_current_span("user.lookup"):
        if query.city == "Atlantis":
            raise LookupError(f"no forecast for {query.city}")
        return f"sunny in {query.city}, 21 {query.unit}"


@register_function(config_type=WeatherToolConfig)
async def weather_tool(config: WeatherToolConfig, builder: Builder):
    yield FunctionInfo.from_fn(_weather, description="Current weather for a city")


class ClockToolConfig(FunctionBaseConfig, name="fluxloop_clock"):
    pass


@register_function(config_type=ClockToolConfig)
async def clock_tool(config: ClockToolConfig, builder: Builder):
    async def _clock(timezone: str) -> str:
        return f"12:00 in {timezone}"

    yield FunctionInfo.from_fn(_clock, description="The current time in a timezone")


class CounterConfig(FunctionBaseConfig, name="fluxloop_counter"):
    pass


async def count(limit: int) -> AsyncGenerator[int, None]:
    """Counts to ``limit`` (a streaming function)."""
    try:
        for i in range(limit):
            yield i
    finally:
        stream_events.append("closed")


@register_function(config_type=CounterConfig)
async def counter(config: CounterConfig, builder: Builder):
    yield FunctionInfo.from_fn(count, description="Counts up")


# -- a custom workflow that calls a function directly ------------------------------------------------
class ForecastWorkflowConfig(FunctionBaseConfig, name="fluxloop_forecast_workflow"):
    tool: str = "weather"


@register_function(config_type=ForecastWorkflowConfig)
async def forecast_workflow(config: ForecastWorkflowConfig, builder: Builder):
    tool = await builder.get_function(config.tool)

    async def _forecast(city: str) -> str:
        report = await tool.ainvoke({"city": city})
        return f"Forecast: {report}"

    async def _forecast_stream(city: str) -> AsyncGenerator[str, None]:
        yield "Forecast: "
        yield await tool.ainvoke({"city": city})

    yield FunctionInfo.create(
        single_fn=_forecast, stream_fn=_forecast_stream, description="Forecast for a city"
    )


def agent_config(calls: list[dict[str, Any]], tools: Sequence[str] = ("weather", "clock")) -> dict[str, Any]:
    """A ``tool_calling_agent`` workflow config over the scripted LLM."""
    return {
        "llms": {"scripted": {"_type": "fluxloop_scripted_llm", "calls": calls}},
        "functions": {"weather": {"_type": "fluxloop_weather"}, "clock": {"_type": "fluxloop_clock"}},
        "workflow": {"_type": "tool_calling_agent", "llm_name": "scripted", "tool_names": list(tools)},
    }


def forecast_config() -> dict[str, Any]:
    return {
        "functions": {"weather": {"_type": "fluxloop_weather"}},
        "workflow": {"_type": "fluxloop_forecast_workflow", "name": "forecaster"},
    }
