"""NAT components of the example: a scripted tool-calling model and two tools.

Registered the way any NAT plugin registers them (``register_llm_provider``,
``register_llm_client``, ``register_function``); nothing here knows about tracing.
"""

from __future__ import annotations

import re
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
from pydantic import BaseModel, Field

FORECASTS = {"Lisbon": "sunny, 24 C", "Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}
TIMEZONES = {"Lisbon": "WET", "Paris": "CET", "Oslo": "CET"}


class ScriptedTravelModel(BaseChatModel):
    """Turn 1: ask for the weather and local time of the city in the question. Turn 2: answer."""

    model_name: str = "scripted-travel-model"

    @property
    def _llm_type(self) -> str:
        return "scripted-travel"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        question = next((str(m.content) for m in reversed(messages) if m.type == "human"), "")
        results = [str(m.content) for m in messages if m.type == "tool"]
        usage = {"input_tokens": 18 + 6 * len(results), "output_tokens": 9, "total_tokens": 27 + 6 * len(results)}
        if not results:
            city = (re.findall(r"\b[A-Z][a-z]+\b", question) or ["Lisbon"])[-1]
            calls = [
                {"name": "get_weather", "args": {"city": city}, "id": "call_weather"},
                {"name": "local_time", "args": {"city": city}, "id": "call_time"},
            ]
            message = AIMessage("", tool_calls=calls, usage_metadata=usage, response_metadata={"finish_reason": "tool_calls"})
        else:
            message = AIMessage(" / ".join(results), usage_metadata=usage, response_metadata={"finish_reason": "stop"})
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return self._generate(messages)


class ScriptedLLMConfig(LLMBaseConfig, name="travel_scripted_llm"):
    model_name: str = "scripted-travel-model"


@register_llm_provider(config_type=ScriptedLLMConfig)
async def scripted_llm(config: ScriptedLLMConfig, builder: Builder):
    yield LLMProviderInfo(config=config, description="A scripted tool-calling model (offline).")


@register_llm_client(config_type=ScriptedLLMConfig, wrapper_type=LLMFrameworkEnum.LANGCHAIN)
async def scripted_llm_langchain(config: ScriptedLLMConfig, builder: Builder):
    yield ScriptedTravelModel(model_name=config.model_name)


class CityInput(BaseModel):
    city: str = Field(description="A city name, e.g. Lisbon")


class WeatherConfig(FunctionBaseConfig, name="travel_weather"):
    pass


@register_function(config_type=WeatherConfig)
async def weather(config: WeatherConfig, builder: Builder):
    async def get_weather(query: CityInput) -> str:
        if query.city not in FORECASTS:
            raise LookupError(f"no forecast for {query.city}")
        return f"Weather in {query.city}: {FORECASTS[query.city]}"

    yield FunctionInfo.from_fn(get_weather, description="Today's weather for a city")


class LocalTimeConfig(FunctionBaseConfig, name="travel_local_time"):
    pass


@register_function(config_type=LocalTimeConfig)
async def local_time(config: LocalTimeConfig, builder: Builder):
    async def get_time(query: CityInput) -> str:
        return f"Timezone of {query.city}: {TIMEZONES.get(query.city, 'UTC')}"

    yield FunctionInfo.from_fn(get_time, description="The timezone of a city")
