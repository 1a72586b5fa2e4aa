"""An AGNT5 agent as a FluxLoop target: ``agent:run``.

A travel agent (an ``Agent`` over a scripted ``LanguageModel``, no network) with two tools,
used by a ``@workflow`` that normalizes the question in a ``@function`` step and asks the agent
in another step. No tracing code: ``fluxloop-otel run`` (or ``fluxloop_otel.configure()`` before
this module is imported) switches the AGNT5 instrumentation on.

(No ``from __future__ import annotations``: AGNT5 checks a tool's ``ctx: Context`` annotation.)
"""

import asyncio
import json
import re
import sys
from typing import Any, AsyncGenerator

from agnt5 import Agent, Context, FunctionContext, WorkflowContext, function, tool, workflow
from agnt5.lm import GenerateRequest, GenerateResponse, LanguageModel, TokenUsage

FORECASTS = {"Lisbon": "sunny, 24 C", "Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


class ScriptedTravelModel(LanguageModel):
    """Turn 1: call ``get_weather`` for the city in the question. Turn 2: answer with the result."""

    model = "scripted-travel-model"

    async def generate(self, request: GenerateRequest) -> GenerateResponse:
        results = [m.content for m in request.messages if getattr(m, "tool_call_id", None)]
        if not results:
            question = request.messages[-1].content if request.messages else ""
            city = (re.findall(r"\b[A-Z][a-z]+\b", question) or ["Lisbon"])[-1]
            return GenerateResponse(
                text="",
                finish_reason="tool_calls",
                tool_calls=[{"id": "call_weather", "name": "get_weather", "arguments": json.dumps({"city": city})}],
                usage=TokenUsage(prompt_tokens=24, completion_tokens=8, total_tokens=32),
            )
        answer = " / ".join(json.loads(r) if r.startswith('"') else r for r in results)
        return GenerateResponse(
            text=answer, finish_reason="stop", usage=TokenUsage(prompt_tokens=41, completion_tokens=12, total_tokens=53)
        )

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[Any, None]:
        raise NotImplementedError  # the agent calls generate() when tools are involved
        yield


@tool
def get_weather(ctx: Context, city: str) -> str:
    """Today's weather for a city."""
    if city not in FORECASTS:
        raise LookupError(f"no forecast for {city}")
    return f"Weather in {city}: {FORECASTS[city]}"


@function
async def normalize(ctx: FunctionContext, question: str) -> str:
    """Trim and end the question with a question mark."""
    question = question.strip()
    return question if question.endswith("?") else question + "?"


travel_agent = Agent(
    name="travel_agent",
    model=ScriptedTravelModel(),
    instructions="Answer travel questions with today's weather.",
    tools=[get_weather],
)


@workflow
async def travel(ctx: WorkflowContext, question: str) -> str:
    cleaned = await ctx.step(normalize, question)
    result = await ctx.step("ask_agent", travel_agent.run, cleaned)
    return result.output


async def run(input: str) -> str:
    """The FluxLoop target: one workflow run per input."""
    return await travel(question=input)


if __name__ == "__main__":
    print(asyncio.run(run(" ".join(sys.argv[1:]) or "What is the weather in Lisbon")))
