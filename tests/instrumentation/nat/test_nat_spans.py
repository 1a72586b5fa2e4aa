"""NAT workflows and functions become one OTel span per call, typed, nested, with GenAI attributes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from fluxloop_otel.semconv import attributes as A

from support.nat_run import build_and_run, run
from support.spans import named, parent_of

TYPE = A.FLUXLOOP_OBSERVATION_TYPE


def ancestors(spans: list[ReadableSpan], span: ReadableSpan) -> list[str]:
    names = []
    current = parent_of(spans, span)
    while current is not None:
        names.append(current.name)
        current = parent_of(spans, current)
    return names


def lambda_function(fn: Any, description: str, name: str) -> Any:
    """A ``LambdaFunction`` from ``FunctionInfo.from_fn`` (what ``register_function`` builds)."""
    from nat.builder.function import LambdaFunction
    from nat.builder.function_info import FunctionInfo
    from nat.data_models.function import EmptyFunctionConfig

    info = FunctionInfo.from_fn(fn, description=description)
    return LambdaFunction.from_info(config=EmptyFunctionConfig(), info=info, instance_name=name)


# -- a tool_calling_agent workflow built from a config -------------------------------------------------
def test_tool_calling_agent_workflow_tree(nat_tracing: Any, nat_registry: Any) -> None:
    config = nat_registry.agent_config([{"name": "weather", "args": {"city": "Paris"}}])
    output = run(build_and_run(config, "Weather in Paris?"))
    assert output == "Answer: sunny in Paris, 21 celsius"
    spans = nat_tracing.spans()
    root = nat_tracing.span("invoke_workflow tool_calling_agent")
    assert root.parent is None and root.status.status_code is StatusCode.UNSET
    entry = nat_tracing.span("invoke_agent tool_calling_agent")
    assert entry.attributes[TYPE] == "agent" and parent_of(spans, entry) is root
    assert entry.attributes[A.GEN_AI_AGENT_NAME] == "tool_calling_agent"
    # Both LLM turns, as generations with tokens, inside the agent (NAT's own exporter dropped the 2nd).
    generations = [s for s in spans if s.attributes.get(TYPE) == "generation"]
    assert len(generations) == 2
    for generation in generations:
        assert generation.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 21
        assert generation.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == 8
        assert "invoke_agent tool_calling_agent" in ancestors(spans, generation)
    # The tool appears once although NAT's LangChain tool wrapper calls Function.ainvoke inside it.
    tools = [s for s in spans if s.attributes.get(TYPE) == "tool"]
    assert [s.name for s in tools] == ["execute_tool weather"]
    tool = tools[0]
    assert tool.attributes[A.GEN_AI_TOOL_DESCRIPTION] == "Current weather for a city"
    assert tool.attributes[A.GEN_AI_TOOL_CALL_ID] == "call_0"
    assert json.loads(tool.attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"city": "Paris"}
    assert "sunny in Paris" in tool.attributes[A.GEN_AI_TOOL_CALL_RESULT]
    assert "invoke_agent tool_calling_agent" in ancestors(spans, tool)
    # The tool node ran the tool: it sits under the node that was running, which ended after it.
    node = parent_of(spans, tool)
    assert node is not None and node.end_time >= tool.end_time
    # A user span inside the tool's body nests under the tool, in the same trace.
    user = nat_tracing.span("user.lookup")
    assert parent_of(spans, user) is tool and user.context.trace_id == root.context.trace_id
    assert {s.context.trace_id for s in spans} == {root.context.trace_id}
    # FluxLoop files: the run is the trace (as instrument() is), the entry agent its top observation.
    assert [t["name"] for t in nat_tracing.traces()] == ["tool_calling_agent"]
    records = nat_tracing.observations()
    assert [(r["type"], r["name"]) for r in records if r.get("parent_observation_id") is None] == [
        ("agent", "tool_calling_agent")
    ]
    assert [r["prompt_tokens"] for r in records if r["type"] == "generation"] == [21, 21]
    assert [r["name"] for r in records if r["type"] == "tool"] == ["weather"]


def test_tool_error_under_the_agent(nat_tracing: Any, nat_registry: Any) -> None:
    config = nat_registry.agent_config([{"name": "weather", "args": {"city": "Atlantis"}}])
    output = run(build_and_run(config, "Weather in Atlantis?"))
    assert "no forecast for Atlantis" in output  # the agent handled the tool error
    tool = nat_tracing.span("execute_tool weather")
    assert tool.status.status_code is StatusCode.ERROR
    assert nat_tracing.span("invoke_workflow tool_calling_agent").status.status_code is StatusCode.UNSET


# -- functions called directly ----------------------------------------------------------------------
def test_function_ainvoke_is_a_tool_span(nat_tracing: Any, nat_registry: Any) -> None:
    function = lambda_function(nat_registry._weather, "Current weather for a city", "weather")
    assert run(function.ainvoke({"city": "Rome", "unit": "fahrenheit"})) == "sunny in Rome, 21 fahrenheit"
    span = nat_tracing.span("execute_tool weather")
    attributes = span.attributes
    assert attributes[TYPE] == "tool" and attributes[A.GEN_AI_TOOL_NAME] == "weather"
    assert attributes[A.GEN_AI_TOOL_DESCRIPTION] == "Current weather for a city"
    schema = json.loads(attributes[A.TOOL_PARAMETERS])
    assert schema["properties"]["city"]["description"] == "The city to look up"
    assert schema["required"] == ["city"]
    assert json.loads(attributes[A.INPUT_VALUE]) == {"city": "Rome", "unit": "fahrenheit"}
    assert attributes[A.OUTPUT_VALUE] == "sunny in Rome, 21 fahrenheit"
    assert parent_of(nat_tracing.spans(), nat_tracing.span("user.lookup")) is span


def test_function_error_status(nat_tracing: Any, nat_registry: Any) -> None:
    function = lambda_function(nat_registry._weather, "Current weather for a city", "weather")
    with pytest.raises(LookupError):
        run(function.ainvoke({"city": "Atlantis"}))
    span = nat_tracing.span("execute_tool weather")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[A.ERROR_TYPE] == "LookupError"
    assert [e.name for e in span.events] == ["exception"]


def test_custom_workflow_calls_a_function(nat_tracing: Any, nat_registry: Any) -> None:
    assert run(build_and_run(nat_registry.forecast_config(), "Oslo")) == "Forecast: sunny in Oslo, 21 celsius"
    spans = nat_tracing.spans()
    root = nat_tracing.span("invoke_workflow forecaster")
    entry = nat_tracing.span("invoke_agent forecaster")
    tool = nat_tracing.span("execute_tool weather")
    assert parent_of(spans, entry) is root and parent_of(spans, tool) is entry
    assert tool.attributes[A.TOOL_PARAMETERS]
    assert json.loads(tool.attributes[A.INPUT_VALUE]) == {"city": "Oslo"}


def test_run_inside_a_caller_span(nat_tracing: Any, nat_registry: Any, tmp_path: Any) -> None:
    """The workflow is built outside any span and run inside one: the run is its child.

    (NAT restores the build-time context variables, OpenTelemetry's included, when a run starts.)
    """
    from nat.builder.workflow_builder import WorkflowBuilder
    from nat.data_models.config import Config

    tracer = nat_tracing.provider.get_tracer("caller")

    async def main() -> None:
        async with WorkflowBuilder.from_config(Config.model_validate(nat_registry.forecast_config())) as builder:
            workflow = await builder.build()
            for request in ("r1", "r2"):
                with tracer.start_as_current_span(f"request {request}"):
                    async with workflow.run("Oslo") as runner:
                        await runner.result(to_type=str)
                    with tracer.start_as_current_span(f"after {request}"):
                        pass

    run(main())
    spans = nat_tracing.spans()
    roots = named(spans, "invoke_workflow forecaster")
    assert [parent_of(spans, r).name for r in roots] == ["request r1", "request r2"]  # type: ignore[union-attr]
    for request in ("r1", "r2"):
        assert parent_of(spans, nat_tracing.span(f"after {request}")) is nat_tracing.span(f"request {request}")


def test_workflow_failure_is_an_error(nat_tracing: Any, nat_registry: Any) -> None:
    config = nat_registry.forecast_config()
    with pytest.raises(LookupError):
        run(build_and_run(config, "Atlantis"))
    for name in ("invoke_workflow forecaster", "invoke_agent forecaster", "execute_tool weather"):
        assert nat_tracing.span(name).status.status_code is StatusCode.ERROR, name


# -- streams ------------------------------------------------------------------------------------------
def test_result_stream_root_and_entry(nat_tracing: Any, nat_registry: Any) -> None:
    chunks = run(build_and_run(nat_registry.forecast_config(), "Oslo", stream=True))
    assert "".join(chunks) == "Forecast: sunny in Oslo, 21 celsius"
    spans = nat_tracing.spans()
    root = nat_tracing.span("invoke_workflow forecaster")
    entry = nat_tracing.span("invoke_agent forecaster")
    tool = nat_tracing.span("execute_tool weather")
    assert parent_of(spans, entry) is root and parent_of(spans, tool) is entry
    assert root.attributes[A.FLUXLOOP_STREAM_CHUNKS] == 2
    assert json.loads(entry.attributes[A.OUTPUT_VALUE]) == ["Forecast: ", "sunny in Oslo, 21 celsius"]


def test_astream_one_span_per_stream(nat_tracing: Any, nat_registry: Any) -> None:
    function = lambda_function(nat_registry.count, "Counts up", "counter")

    async def consume() -> list[int]:
        return [i async for i in function.astream(3)]

    assert run(consume()) == [0, 1, 2]
    span = nat_tracing.span("execute_tool counter")
    assert span.attributes[A.FLUXLOOP_STREAM_CHUNKS] == 3
    assert json.loads(span.attributes[A.OUTPUT_VALUE]) == [0, 1, 2]
    assert nat_registry.stream_events == ["closed"]


def test_abandoned_astream_ends_and_closes_nat_generator(nat_tracing: Any, nat_registry: Any) -> None:
    function = lambda_function(nat_registry.count, "Counts up", "counter")

    async def abandon() -> None:
        stream = function.astream(10)
        async for i in stream:
            if i == 1:
                break
        await stream.aclose()
        # NAT's function path stack is back where it was: another call works in this task.
        assert [i async for i in function.astream(2)] == [0, 1]

    async def abandon_to_gc() -> None:
        stream = function.astream(10)
        assert await stream.__anext__() == 0
        del stream
        await asyncio.sleep(0)

    run(abandon())
    run(abandon_to_gc())
    streams = [s for s in nat_tracing.spans() if s.name == "execute_tool counter" and A.FLUXLOOP_STREAM_CHUNKS in s.attributes]
    assert len(streams) == 3
    assert sorted(str(s.attributes.get(A.FLUXLOOP_STREAM_END_REASON)) for s in streams) == ["None", "closed", "closed"]
    assert nat_registry.stream_events.count("closed") == 3, "NAT's own generator was closed both times"


def test_uninstrument_restores_nat(nat_tracing: Any, nat_registry: Any) -> None:
    from nat.builder.function import Function

    from fluxloop_otel.instrumentation.nat import NatInstrumentor

    NatInstrumentor().uninstrument()
    try:
        assert not hasattr(Function.ainvoke, "__wrapped__")
        function = lambda_function(nat_registry._weather, "Current weather for a city", "weather")
        run(function.ainvoke({"city": "Rome"}))
        assert not [s for s in nat_tracing.spans() if s.name.startswith("execute_tool")]
    finally:
        NatInstrumentor().instrument(tracer_provider=nat_tracing.provider)


def test_a_tracing_failure_never_reaches_the_workflow(nat_tracing: Any, nat_registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from fluxloop_otel.instrumentation.nat import _mapping

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("mapping bug")

    monkeypatch.setattr(_mapping, "function_record", broken)
    assert run(build_and_run(nat_registry.forecast_config(), "Oslo")) == "Forecast: sunny in Oslo, 21 celsius"
    assert [s.name for s in nat_tracing.spans() if s.attributes.get(TYPE) in ("agent", "tool")] == []
    assert nat_tracing.span("invoke_workflow forecaster").status.status_code is StatusCode.UNSET


def test_functions_typed_by_what_they_are(nat_registry: Any) -> None:
    """The run's entry and functions configured as NAT agents are agents; other functions are tools."""
    from nat.builder.function import LambdaFunction
    from nat.builder.function_info import FunctionInfo
    from nat.plugins.langchain.agent.tool_calling_agent.register import ToolCallAgentWorkflowConfig

    from fluxloop_otel.instrumentation.nat import _mapping

    info = FunctionInfo.from_fn(nat_registry._weather, description="An agent used as a tool")
    nested_agent = LambdaFunction.from_info(
        config=ToolCallAgentWorkflowConfig(llm_name="scripted", tool_names=["weather"]), info=info, instance_name="researcher"
    )
    plain = lambda_function(nat_registry._weather, "Current weather for a city", "weather")
    assert type(_mapping.function_record(nested_agent, {}, entry=False)).__name__ == "AgentInvocation"
    assert type(_mapping.function_record(plain, {}, entry=True)).__name__ == "AgentInvocation"
    tool = _mapping.function_record(plain, {"city": "Rome"}, entry=False)
    assert type(tool).__name__ == "ToolCall" and tool.name == "weather" and tool.parameters_schema
