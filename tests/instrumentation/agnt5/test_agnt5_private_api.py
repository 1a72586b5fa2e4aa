"""The AGNT5 internals the instrumentation relies on are where it expects them (an upgrade that
moves one fails here, not silently in users' traces)."""

import inspect

from support.agnt5_components import ScriptedModel


def test_patched_methods_and_their_signatures() -> None:
    from agnt5.agent.core import Agent, _StreamedLMResponse
    from agnt5.lm.client import LMClient
    from agnt5.tool import Tool
    from agnt5.workflow import WorkflowContext

    assert inspect.iscoroutinefunction(Agent._call_model_generate)
    assert inspect.isasyncgenfunction(Agent._stream_lm_call)
    assert inspect.isasyncgenfunction(Agent.stream) and inspect.iscoroutinefunction(Agent.run)
    assert inspect.iscoroutinefunction(LMClient.generate) and inspect.isasyncgenfunction(LMClient.stream)
    assert list(inspect.signature(Agent._call_model_generate).parameters)[:2] == ["self", "request"]
    assert list(inspect.signature(Agent._stream_lm_call).parameters)[:2] == ["self", "request"]
    invoke = inspect.signature(Tool._invoke).parameters
    assert list(invoke)[:3] == ["self", "ctx", "kwargs"] and "tool_call_id" in invoke
    assert list(inspect.signature(WorkflowContext.step).parameters)[:3] == ["self", "name_or_handler", "func_or_awaitable"]
    assert {"text", "tool_calls", "usage"} <= set(inspect.signature(_StreamedLMResponse).parameters)
    assert callable(getattr(LMClient, "supports_streaming_tools_for_provider", None))


def test_instance_attributes() -> None:
    from agnt5 import Agent, function

    agent = Agent(name="probe", model=ScriptedModel(), instructions="-", model_name="probe-model")
    assert isinstance(agent._language_model, ScriptedModel) and agent.model_name == "probe-model"
    assert agent.callbacks.before_model is None and agent.callbacks.after_model is None

    async def probe_fn(text: str) -> str:
        return text

    decorated = function(name="fluxloop_probe_fn")(probe_fn)
    try:
        assert decorated._agnt5_config.name == "fluxloop_probe_fn"
    finally:
        from agnt5.function import FunctionRegistry

        FunctionRegistry.discard("fluxloop_probe_fn")
