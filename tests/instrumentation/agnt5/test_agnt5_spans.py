"""AGNT5 agents, model calls, tools, workflow steps and functions become typed, nested OTel spans.

(No ``from __future__ import annotations``: AGNT5 compares a tool's ``ctx`` annotation with ``Context``.)
"""

import asyncio
import json
import threading
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from fluxloop_otel.semconv import attributes as A

from support.agnt5_components import MODEL, ScriptedModel
from support.spans import parent_of

TYPE = A.FLUXLOOP_OBSERVATION_TYPE
pytestmark = pytest.mark.usefixtures("registries")


def typed(spans: list[ReadableSpan], kind: str) -> list[ReadableSpan]:
    return sorted((s for s in spans if s.attributes.get(TYPE) == kind), key=lambda s: s.start_time)


def weather_tool(user_tracer: Any, threads: list[str] | None = None) -> Any:
    from agnt5 import Context, tool

    @tool
    def weather(ctx: Context, city: str, unit: str = "celsius") -> str:
        """Current weather for a city."""
        if threads is not None:
            threads.append(threading.current_thread().name)
        with user_tracer.start_as_current_span("user.lookup"):
            if city == "Atlantis":
                raise LookupError(f"no forecast for {city}")
            return f"sunny in {city}"

    return weather


# -- agents ---------------------------------------------------------------------------------------
def test_agent_run_tree(agnt5_tracing: Any) -> None:
    from agnt5 import Agent

    threads: list[str] = []
    user = agnt5_tracing.provider.get_tracer("user-code")
    model = ScriptedModel([{"name": "weather", "args": {"city": "Paris"}}])
    agent = Agent(name="weather_agent", model=model, instructions="Be brief.", tools=[weather_tool(user, threads)])
    result = asyncio.run(agent.run("Weather in Paris?"))
    assert result.output == 'Answer: "sunny in Paris"'
    spans = agnt5_tracing.spans()
    agents = typed(spans, "agent")
    assert [s.name for s in agents] == ["invoke_agent weather_agent"]  # run drives stream: one span
    agent_span = agents[0]
    assert agent_span.parent is None
    assert agent_span.attributes[A.INPUT_VALUE] == "Weather in Paris?"
    assert agent_span.attributes[A.OUTPUT_VALUE] == 'Answer: "sunny in Paris"'
    first, second = typed(spans, "generation")
    for generation, tokens in ((first, (30, 9)), (second, (40, 11))):
        assert generation.name == f"chat {MODEL}"
        assert generation.attributes[A.GEN_AI_REQUEST_MODEL] == MODEL
        assert (
            generation.attributes[A.GEN_AI_USAGE_INPUT_TOKENS],
            generation.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS],
        ) == tokens
        assert parent_of(spans, generation) is agent_span
        assert generation.attributes.get(A.GEN_AI_REQUEST_STREAM) is not True  # tools: AGNT5 calls generate()
    (tool,) = typed(spans, "tool")
    assert tool.name == "execute_tool weather" and parent_of(spans, tool) is agent_span
    assert first.end_time <= tool.start_time and tool.end_time <= second.start_time
    attributes = tool.attributes
    assert attributes[A.GEN_AI_TOOL_CALL_ID] == "call_0"
    assert attributes[A.GEN_AI_TOOL_DESCRIPTION] == "Current weather for a city."
    assert json.loads(attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"city": "Paris"}
    assert attributes[A.GEN_AI_TOOL_CALL_RESULT] == "sunny in Paris"
    assert "city" in json.loads(attributes[A.TOOL_PARAMETERS])["properties"]
    # The sync tool ran in AGNT5's thread pool; the user span inside it is the tool's child.
    assert threads and threads[0] != threading.main_thread().name
    assert parent_of(spans, agnt5_tracing.span("user.lookup")) is tool


def test_context_reaches_sync_tools_without_threading_instrumentation(agnt5_tracing: Any) -> None:
    from agnt5 import Agent
    from opentelemetry.instrumentation.threading import ThreadingInstrumentor

    threading_on = ThreadingInstrumentor().is_instrumented_by_opentelemetry
    if threading_on:
        ThreadingInstrumentor().uninstrument()
    try:
        user = agnt5_tracing.provider.get_tracer("user-code")
        model = ScriptedModel([{"name": "weather", "args": {"city": "Rome"}}])
        agent = Agent(name="a", model=model, instructions="-", tools=[weather_tool(user)])
        asyncio.run(agent.run("Rome?"))
    finally:
        if threading_on:
            ThreadingInstrumentor().instrument()
    spans = agnt5_tracing.spans()
    assert parent_of(spans, agnt5_tracing.span("user.lookup")) is agnt5_tracing.span("execute_tool weather")


def test_agent_stream_and_streamed_generation(agnt5_tracing: Any) -> None:
    from agnt5 import Agent

    agent = Agent(name="greeter", model=ScriptedModel(), instructions="Greet.")

    async def consume() -> list[str]:
        return [event.event_type async for event in agent.stream("hi")]

    events = asyncio.run(consume())
    assert events[-1] == "agent.completed"
    spans = agnt5_tracing.spans()
    (agent_span,) = typed(spans, "agent")
    assert agent_span.attributes[A.OUTPUT_VALUE] == "Hello there"
    (generation,) = typed(spans, "generation")
    assert parent_of(spans, generation) is agent_span
    assert generation.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 7
    assert generation.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == 2
    assert generation.attributes[A.FLUXLOOP_STREAM_CHUNKS] >= 2
    assert generation.attributes[A.GEN_AI_REQUEST_STREAM] is True


def test_tool_failure_is_an_error_span(agnt5_tracing: Any) -> None:
    from agnt5 import Agent

    user = agnt5_tracing.provider.get_tracer("user-code")
    model = ScriptedModel([{"name": "weather", "args": {"city": "Atlantis"}}])
    agent = Agent(name="a", model=model, instructions="-", tools=[weather_tool(user)])
    try:
        asyncio.run(agent.run("Atlantis?"))
    except Exception:
        pass  # whether AGNT5 feeds the error back to the model or raises, the tool span failed
    tool = agnt5_tracing.span("execute_tool weather")
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes[A.ERROR_TYPE] == "LookupError"


def test_client_generation_inside_the_agent_call_is_one_span(agnt5_tracing: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A string model: ``Agent._stream_lm_call`` -> ``_call_model_generate`` -> ``LMClient.generate``, one span."""
    from agnt5 import Agent
    from agnt5.lm import GenerateResponse, TokenUsage
    from agnt5.lm.client import LMClient

    async def offline(self: Any, request: Any) -> GenerateResponse:
        return GenerateResponse(text="ok", usage=TokenUsage(prompt_tokens=3, completion_tokens=1, total_tokens=4))

    monkeypatch.setattr(LMClient, "_generate", offline)
    # Tools over a non-streaming client: _stream_lm_call -> _call_model_generate -> LMClient.generate.
    monkeypatch.setattr(LMClient, "supports_streaming_tools_for_provider", classmethod(lambda cls, provider: False))
    agent = Agent(name="a", model="openai/gpt-4o-mini", instructions="-", tools=[weather_tool(agnt5_tracing.provider.get_tracer("u"))])
    asyncio.run(agent.run("hi"))
    (generation,) = typed(agnt5_tracing.spans(), "generation")
    assert generation.attributes[A.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert generation.attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
    assert generation.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 3


# -- workflows and functions ------------------------------------------------------------------------
def test_workflow_steps_typed_by_what_they_run(agnt5_tracing: Any) -> None:
    from agnt5 import Agent, FunctionContext, WorkflowContext, function, workflow

    user = agnt5_tracing.provider.get_tracer("user-code")

    @function
    async def normalize(ctx: FunctionContext, city: str) -> str:
        return city.strip().title()

    planner = Agent(
        name="planner",
        model=ScriptedModel([{"name": "weather", "args": {"city": "Oslo"}}]),
        instructions="Plan.",
        tools=[weather_tool(user)],
    )

    @workflow
    async def trip(ctx: WorkflowContext, city: str) -> str:
        name = await ctx.step(normalize, city)
        note = await ctx.step("note", lambda: f"visiting {name}")
        plan = await ctx.step("plan", planner.run, f"Weather in {name}?")
        return f"{note}: {plan.output}"

    assert asyncio.run(trip(city=" oslo ")) == 'visiting Oslo: Answer: "sunny in Oslo"'
    spans = agnt5_tracing.spans()
    root = agnt5_tracing.span("invoke_workflow trip")  # the workflow called directly is the root
    assert root.parent is None and {s.context.trace_id for s in spans} == {root.context.trace_id}
    assert [s.name for s in typed(spans, "chain")] == ["normalize", "note"]
    assert all(parent_of(spans, s) is root for s in typed(spans, "chain"))
    (agent_span,) = typed(spans, "agent")  # the step that runs the agent is the agent's span
    assert agent_span.name == "invoke_agent planner"
    assert [parent_of(spans, s).name for s in typed(spans, "generation")] == ["invoke_agent planner"] * 2  # type: ignore[union-attr]
    assert parent_of(spans, agnt5_tracing.span("execute_tool weather")) is agent_span
    assert agnt5_tracing.span("normalize").attributes[A.INPUT_VALUE] == " oslo "


def test_direct_function_call_is_a_span(agnt5_tracing: Any) -> None:
    from agnt5 import FunctionContext, function

    user = agnt5_tracing.provider.get_tracer("user-code")

    @function
    def shout(ctx: FunctionContext, text: str) -> str:
        with user.start_as_current_span("user.inside"):
            return text.upper()

    @function(name="fail_loudly")
    async def fail(text: str) -> str:
        raise ValueError(text)

    ctx = FunctionContext(run_id="r", correlation_id="c", parent_correlation_id="p")
    assert asyncio.run(shout(ctx, "hi")) == "HI"
    with pytest.raises(ValueError):
        asyncio.run(fail("boom"))
    spans = agnt5_tracing.spans()
    span = agnt5_tracing.span("shout")
    assert span.attributes[TYPE] == "chain" and span.attributes[A.OUTPUT_VALUE] == "HI"
    assert span.attributes[A.INPUT_VALUE] == "hi"  # the FunctionContext is not content
    assert parent_of(spans, agnt5_tracing.span("user.inside")) is span
    failed = agnt5_tracing.span("fail_loudly")
    assert failed.status.status_code is StatusCode.ERROR and failed.attributes[A.ERROR_TYPE] == "ValueError"


def test_uninstrument_restores_agnt5(agnt5_tracing: Any) -> None:
    import agnt5
    from agnt5.agent.core import Agent

    from fluxloop_otel.instrumentation.agnt5 import Agnt5Instrumentor

    @agnt5.function
    async def before(text: str) -> str:
        return text

    Agnt5Instrumentor().uninstrument()
    try:
        assert not hasattr(Agent.run, "__wrapped__") and not hasattr(agnt5.function, "__wrapped__")
        assert asyncio.run(before("x")) == "x"
        agent = Agent(name="g", model=ScriptedModel(), instructions="-")
        asyncio.run(agent.run("hi"))
        assert agnt5_tracing.spans() == []
    finally:
        Agnt5Instrumentor().instrument(tracer_provider=agnt5_tracing.provider)


def test_step_running_a_tool_is_that_tool(agnt5_tracing: Any) -> None:
    from agnt5 import WorkflowContext, workflow

    weather = weather_tool(agnt5_tracing.provider.get_tracer("user-code"))

    @workflow
    async def check(ctx: WorkflowContext, city: str) -> str:
        return await ctx.step("forecast", weather.invoke, ctx, city=city)

    assert asyncio.run(check(city="Rome")) == "sunny in Rome"
    spans = agnt5_tracing.spans()
    (tool,) = typed(spans, "tool")
    assert tool.name == "execute_tool weather"
    assert parent_of(spans, tool) is agnt5_tracing.span("invoke_workflow check")
    assert parent_of(spans, agnt5_tracing.span("user.lookup")) is tool


def test_a_tracing_failure_never_reaches_the_agent(agnt5_tracing: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from agnt5 import Agent

    from fluxloop_otel.instrumentation.agnt5 import _mapping

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("mapping bug")

    monkeypatch.setattr(_mapping, "llm_record", broken)
    monkeypatch.setattr(_mapping, "llm_stream_item", broken)
    agent = Agent(name="resilient", model=ScriptedModel(), instructions="-")
    assert asyncio.run(agent.run("hi")).output == "Hello there"
    assert [s.name for s in typed(agnt5_tracing.spans(), "agent")] == ["invoke_agent resilient"]
    assert not typed(agnt5_tracing.spans(), "generation")
    assert "mapping bug" in caplog.text  # logged (once), not raised
