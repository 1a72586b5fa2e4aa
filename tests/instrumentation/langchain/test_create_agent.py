"""LangChain 1.x ``create_agent``: named agent root, chat spans with the tool definitions bound to
the model, middleware hooks visible as steps (hidden with ``langchain_hide_internal``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.tools import tool

from fluxloop_otel.semconv import attributes as A

from support.lg_fakes import ScriptedModel
from support.lg_support import MODES, kinds, run
from support.spans import named, parent_of


@tool
def get_weather(city: str) -> str:
    """Current weather of a city."""
    return f"{city}: sunny"


@tool
def get_time(city: str, utc: bool = False) -> str:
    """Local time in a city."""
    return f"{city}: 12:00"


class Audit(AgentMiddleware):
    """A middleware with node hooks (``before_model`` and ``after_agent``)."""

    def before_model(self, state: Any, runtime: Any) -> None:
        return None

    def after_agent(self, state: Any, runtime: Any) -> None:
        return None


def weather_agent(middleware: tuple[Any, ...] = ()) -> Any:
    model = ScriptedModel(script=[[{"name": "get_weather", "args": {"city": "Paris"}}], "Answer: {results}"])
    return create_agent(model, [get_weather, get_time], middleware=list(middleware), name="weather_agent")


EXPECTED_DEFINITIONS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather of a city.",
        "parameters": {"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"},
    },
    {
        "type": "function",
        "name": "get_time",
        "description": "Local time in a city.",
        "parameters": {
            "properties": {"city": {"type": "string"}, "utc": {"default": False, "type": "boolean"}},
            "required": ["city"],
            "type": "object",
        },
    },
]


@pytest.mark.parametrize("mode", MODES)
def test_create_agent_chat_spans_carry_tool_definitions(tracing: Any, mode: str) -> None:
    result = run(weather_agent(), {"messages": [("user", "Weather in Paris?")]}, None, mode)
    assert result["messages"][-1].content == "Answer: Paris: sunny"
    root = tracing.span("invoke_agent weather_agent")
    assert root.parent is None and root.attributes[A.GEN_AI_AGENT_NAME] == "weather_agent"
    chats = named(tracing.spans(), "chat scripted-model")
    assert len(chats) == 2
    for chat in chats:
        assert json.loads(chat.attributes[A.GEN_AI_TOOL_DEFINITIONS]) == EXPECTED_DEFINITIONS
        # OpenInference: each tool's JSON as the model got it (OpenAI format here)
        schemas = [json.loads(chat.attributes[f"llm.tools.{i}.tool.json_schema"]) for i in range(2)]
        assert [s["function"]["name"] for s in schemas] == ["get_weather", "get_time"]
        assert schemas[0] == {"type": "function", "function": {k: v for k, v in EXPECTED_DEFINITIONS[0].items() if k != "type"}}
        assert "llm.tools.2.tool.json_schema" not in chat.attributes
        assert "tools" not in chat.attributes.get(A.LLM_INVOCATION_PARAMETERS, "")
    tool_span = tracing.span("execute_tool get_weather")
    assert parent_of(tracing.spans(), parent_of(tracing.spans(), tool_span)).name == "invoke_agent weather_agent"


def test_tool_definitions_are_content(content_off: Any) -> None:
    weather_agent().invoke({"messages": [("user", "Weather in Paris?")]})
    for chat in named(content_off.spans(), "chat scripted-model"):
        assert A.GEN_AI_TOOL_DEFINITIONS not in chat.attributes
        assert not any(key.startswith("llm.tools.") for key in chat.attributes)


def test_no_tools_no_definitions(tracing: Any) -> None:
    create_agent(ScriptedModel(script=["hi"]), [], name="plain").invoke({"messages": [("user", "hello")]})
    chat = tracing.span("chat scripted-model")
    assert A.GEN_AI_TOOL_DEFINITIONS not in chat.attributes


@pytest.mark.parametrize("mode", MODES)
def test_middleware_hooks_are_steps(tracing: Any, mode: str) -> None:
    run(weather_agent((Audit(),)), {"messages": [("user", "Weather in Paris?")]}, None, mode)
    tree = kinds(tracing.spans())
    assert tree[0] == "invoke_agent weather_agent [agent]"
    steps = [line.strip() for line in tree if line.startswith("  ") and not line.startswith("    ")]
    assert steps == [
        "Audit.before_model [chain]",
        "model [chain]",
        "tools [chain]",
        "Audit.before_model [chain]",
        "model [chain]",
        "Audit.after_agent [chain]",
    ]
    hooks = named(tracing.spans(), "Audit.before_model") + named(tracing.spans(), "Audit.after_agent")
    assert sorted(
        (s.attributes[A.LANGCHAIN_MIDDLEWARE_NAME], s.attributes[A.LANGCHAIN_MIDDLEWARE_HOOK]) for s in hooks
    ) == [("Audit", "after_agent"), ("Audit", "before_model"), ("Audit", "before_model")]
    for node in named(tracing.spans(), "model"):
        assert A.LANGCHAIN_MIDDLEWARE_NAME not in node.attributes


def test_middleware_hooks_hidden_with_hide_internal(hide_internal: Any) -> None:
    weather_agent((Audit(),)).invoke({"messages": [("user", "Weather in Paris?")]})
    tree = kinds(hide_internal.spans())
    assert not any("Audit." in line for line in tree)
    assert tree[0] == "invoke_agent weather_agent [agent]"
    assert "  model [chain]" in tree and "    chat scripted-model [generation]" in tree
    assert "  tools [chain]" in tree and "    execute_tool get_weather [tool]" in tree


def approval_agent() -> Any:
    from langchain.agents.middleware import HumanInTheLoopMiddleware
    from langgraph.checkpoint.memory import InMemorySaver

    return create_agent(
        ScriptedModel(script=[[{"name": "get_weather", "args": {"city": "Paris"}}], "Answer: {results}"]),
        [get_weather],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"get_weather": True})],
        checkpointer=InMemorySaver(),
        name="careful_agent",
    )


@pytest.mark.parametrize("hidden", [False, True], ids=["steps", "hide_internal"])
def test_human_in_the_loop_middleware(tracing: Any, hidden: bool, request: pytest.FixtureRequest) -> None:
    from langgraph.types import Command

    if hidden:
        request.getfixturevalue("hide_internal")
    agent = approval_agent()
    config = {"configurable": {"thread_id": f"hitl-{hidden}"}}
    paused_result = agent.invoke({"messages": [("user", "Weather in Paris?")]}, config)
    assert "__interrupt__" in paused_result
    result = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config)
    assert result["messages"][-1].content == "Answer: Paris: sunny"

    paused, resumed = sorted((s for s in tracing.spans() if s.parent is None), key=lambda s: s.start_time)
    assert paused.name == resumed.name == "invoke_agent careful_agent"
    assert paused.attributes[A.LANGGRAPH_INTERRUPTED] is True
    assert paused.attributes[A.LANGGRAPH_INTERRUPT_NODE] == "HumanInTheLoopMiddleware.after_model"
    request_value = json.loads(paused.attributes[A.LANGGRAPH_INTERRUPT_VALUE])
    assert [a["name"] for a in request_value["action_requests"]] == ["get_weather"]
    assert [link.context.span_id for link in resumed.links] == [paused.context.span_id]
    assert resumed.attributes[A.LANGGRAPH_RESUMED] is True
    tool_span = tracing.span("execute_tool get_weather")
    assert tool_span.context.trace_id == resumed.context.trace_id
    hooks = [s for s in tracing.spans() if s.name == "HumanInTheLoopMiddleware.after_model"]
    assert (not hooks) if hidden else hooks


class Guard(AgentMiddleware):
    """A middleware with ``wrap_*`` hooks (not graph nodes: ``create_agent`` calls them around each call)."""

    def wrap_model_call(self, request: Any, handler: Any) -> Any:
        return handler(request)

    async def awrap_model_call(self, request: Any, handler: Any) -> Any:
        return await handler(request)

    def wrap_tool_call(self, request: Any, handler: Any) -> Any:
        return handler(request)

    async def awrap_tool_call(self, request: Any, handler: Any) -> Any:
        return await handler(request)


@pytest.mark.parametrize("mode", MODES)
def test_wrap_middleware_hooks_are_steps_around_the_calls(tracing: Any, mode: str) -> None:
    run(weather_agent((Guard(),)), {"messages": [("user", "Weather in Paris?")]}, None, mode)
    spans = tracing.spans()
    prefix = "Guard.a" if mode.startswith("a") else "Guard."
    model_hooks = named(spans, f"{prefix}wrap_model_call")
    tool_hooks = named(spans, f"{prefix}wrap_tool_call")
    assert len(model_hooks) == 2 and len(tool_hooks) == 1
    for hook in model_hooks + tool_hooks:
        assert hook.attributes[A.FLUXLOOP_OBSERVATION_TYPE] == "chain"
        assert hook.attributes[A.LANGCHAIN_MIDDLEWARE_NAME] == "Guard"
        assert hook.attributes[A.LANGCHAIN_MIDDLEWARE_HOOK] == hook.name.split(".")[1]
    for chat in named(spans, "chat scripted-model"):  # the model call runs inside the hook
        hook = parent_of(spans, chat)
        assert hook.name == f"{prefix}wrap_model_call"
        assert parent_of(spans, hook).name == "model"
    tool_span = tracing.span("execute_tool get_weather")
    assert parent_of(spans, tool_span).name == f"{prefix}wrap_tool_call"
    assert parent_of(spans, parent_of(spans, tool_span)).name == "tools"


def test_wrap_middleware_hooks_hidden_with_hide_internal(hide_internal: Any) -> None:
    weather_agent((Guard(),)).invoke({"messages": [("user", "Weather in Paris?")]})
    spans = hide_internal.spans()
    assert not [s.name for s in spans if s.name.startswith("Guard.")]
    assert parent_of(spans, hide_internal.span("execute_tool get_weather")).name == "tools"
