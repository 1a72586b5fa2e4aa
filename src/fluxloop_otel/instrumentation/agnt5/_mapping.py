"""AGNT5 objects -> telemetry records (agents, model calls, tools, steps, functions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fluxloop_otel.telemetry import (
    UNSET,
    AgentInvocation,
    Invocation,
    LLMInvocation,
    StepInvocation,
    TokenUsage,
    ToolCall,
    WorkflowInvocation,
)

_PARAMETERS = ("temperature", "max_tokens", "top_p")


def _get(source: Any, key: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(key)
    try:
        return getattr(source, key, None)
    except Exception:
        return None


# -- agents ----------------------------------------------------------------------------------------
def agent_record(agent: Any, user_message: Any) -> AgentInvocation:
    return AgentInvocation(
        str(getattr(agent, "name", None) or type(agent).__name__),
        input=user_message,
        description=getattr(agent, "instructions", None) if isinstance(getattr(agent, "instructions", None), str) else None,
    )


def agent_result(inv: AgentInvocation, result: Any) -> None:
    output = _get(result, "output")
    inv.output = output if output is not None else result


def agent_stream_item(inv: Any, event: Any) -> None:
    """``Agent.stream`` events: the ``agent.completed`` event carries the output."""
    if getattr(event, "event_type", None) == "agent.completed":
        data = _get(event, "output_data") or {}
        inv.output = _get(data, "output")


# -- model calls -----------------------------------------------------------------------------------
def _provider(model: str | None, client: Any = None) -> str | None:
    provider = getattr(client, "_provider", None) if client is not None else None
    if isinstance(provider, str) and provider:
        return provider
    if isinstance(model, str) and "/" in model:
        return model.split("/", 1)[0]
    return None


def _messages(request: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    system = _get(request, "system_prompt")
    if isinstance(system, str) and system:
        messages.append({"role": "system", "content": system})
    for message in _get(request, "messages") or ():
        role = _get(message, "role")
        entry: dict[str, Any] = {"role": getattr(role, "value", role) or "user", "content": _get(message, "content") or ""}
        calls = _get(message, "tool_calls")
        if calls:
            entry["tool_calls"] = [_tool_call(call) for call in calls]
        call_id = _get(message, "tool_call_id")
        if call_id:
            entry["tool_call_id"] = call_id
        messages.append(entry)
    return messages


def _tool_call(call: Any) -> dict[str, Any]:
    """An AGNT5 tool call (``{"id", "name", "arguments": "<json>"}``) in the OpenAI shape."""
    arguments = _get(call, "arguments")
    if arguments is None:
        arguments = _get(call, "args")
    if not isinstance(arguments, str):
        try:
            arguments = json.dumps(arguments, default=str)
        except Exception:
            arguments = str(arguments)
    return {
        "id": _get(call, "id"),
        "type": "function",
        "function": {"name": _get(call, "name"), "arguments": arguments},
    }


def llm_record(request: Any, model: str | None, client: Any = None, stream: bool = False) -> LLMInvocation:
    config = _get(request, "config")
    parameters = {key: value for key in _PARAMETERS if (value := _get(config, key)) is not None}
    model_name = str(model) if model else None
    return LLMInvocation(
        model_name.split("/", 1)[-1] if model_name else "llm",
        detail=model_name.split("/", 1)[-1] if model_name else None,
        request_model=model_name.split("/", 1)[-1] if model_name else None,
        provider=_provider(model_name, client),
        parameters=parameters or None,
        messages=_messages(request),
        stream=stream,
    )


def _usage(usage: Any) -> TokenUsage | None:
    if usage is None:
        return None
    input_tokens = _get(usage, "prompt_tokens")
    if input_tokens is None:
        input_tokens = _get(usage, "input_tokens")
    output_tokens = _get(usage, "completion_tokens")
    if output_tokens is None:
        output_tokens = _get(usage, "output_tokens")
    total = _get(usage, "total_tokens")
    found = TokenUsage(
        input_tokens if isinstance(input_tokens, int) else None,
        output_tokens if isinstance(output_tokens, int) else None,
        total if isinstance(total, int) and total else None,
    )
    return found if found else None


def _finish(inv: LLMInvocation, text: Any, tool_calls: Any, usage: Any, finish_reason: Any = None) -> None:
    message: dict[str, Any] = {"role": "assistant", "content": text or ""}
    if tool_calls:
        message["tool_calls"] = [_tool_call(call) for call in tool_calls]
    inv.output_messages = [message]
    inv.output = text if not tool_calls else {"text": text or "", "tool_calls": message["tool_calls"]}
    inv.usage = _usage(usage)
    reason = finish_reason or ("tool_calls" if tool_calls else None)
    if isinstance(reason, str) and reason:
        inv.finish_reasons = [reason]


def llm_response(inv: LLMInvocation, response: Any) -> None:
    """A ``GenerateResponse``: text, tool calls, usage, finish reason, response id."""
    _finish(inv, _get(response, "text"), _get(response, "tool_calls"), _get(response, "usage"), _get(response, "finish_reason"))
    response_id = _get(response, "response_id")
    if isinstance(response_id, str) and response_id:
        inv.response_id = response_id


def llm_stream_item(inv: Any, item: Any) -> None:
    """Items of ``Agent._stream_lm_call`` (``(event, sequence)``, the last one the collected
    response) and of ``LanguageModel.stream`` (events, ``lm.completed`` with usage)."""
    if isinstance(item, tuple) and item:
        item = item[0]
    if type(item).__name__ == "_StreamedLMResponse":
        _finish(inv, _get(item, "text"), _get(item, "tool_calls"), _get(item, "usage"), None)
        return
    if getattr(item, "event_type", None) == "lm.completed":
        data = _get(item, "output_data") or {}
        usage = {
            "input_tokens": _get(item, "input_tokens"),
            "output_tokens": _get(item, "output_tokens"),
            "total_tokens": _get(item, "total_tokens"),
        }
        _finish(inv, _get(data, "text"), _get(data, "tool_calls"), usage, _get(item, "finish_reason"))


# -- tools, steps, functions -----------------------------------------------------------------------
def tool_record(tool: Any, arguments: Any, call_id: Any) -> ToolCall:
    schema = getattr(tool, "input_schema", None)
    try:
        schema_text = json.dumps(schema, separators=(",", ":"), default=str) if schema else None
    except Exception:
        schema_text = None
    description = getattr(tool, "description", None)
    return ToolCall(
        str(getattr(tool, "name", None) or "tool"),
        input=dict(arguments) if isinstance(arguments, Mapping) else arguments,
        description=description if isinstance(description, str) and description else None,
        call_id=call_id if isinstance(call_id, str) and call_id else None,
        tool_type="function",
        parameters_schema=schema_text,
    )


def _inputs(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    if kwargs and not args:
        return dict(kwargs)
    if len(args) == 1 and not kwargs:
        return args[0]
    return {"args": list(args), "kwargs": dict(kwargs)} if kwargs else list(args)


def step_record(
    name_or_handler: Any, target: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[Invocation, Any]:
    """``ctx.step(...)``, typed by what it runs, and the AGNT5 object whose own span it is.

    An ``Agent`` method -> that agent's ``agent`` span; a ``Tool`` (or its method) -> ``tool``;
    a ``@function`` or anything else -> ``chain`` (named after the function or the step).
    """
    config = getattr(name_or_handler, "_agnt5_config", None)
    if config is not None:  # step(@function, *args)
        arguments = ((target,) + tuple(args)) if target is not None else tuple(args)
        return StepInvocation(str(getattr(config, "name", None) or "step"), input=_inputs(arguments, kwargs)), None
    name = name_or_handler if isinstance(name_or_handler, str) else getattr(name_or_handler, "__name__", "step")
    if isinstance(name_or_handler, str):
        owner = getattr(target, "__self__", None)
        subject = owner if owner is not None else target
        kinds = {cls.__name__ for cls in type(subject).__mro__} if subject is not None else set()
        if "Agent" in kinds:
            agent = AgentInvocation(str(getattr(subject, "name", name)), input=_inputs(tuple(args), kwargs))
            agent.metadata = {"agnt5.step": name}
            return agent, subject
        if "Tool" in kinds:
            return tool_record(subject, _inputs(tuple(args), kwargs), None), subject
    callable_target = target is not None and callable(target)
    return StepInvocation(str(name), input=_inputs(tuple(args), kwargs) if callable_target else UNSET), None


def function_record(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], workflow: bool = False) -> Invocation:
    """A direct ``@function`` call (``chain``) or ``@workflow`` call (the workflow root); the
    context argument is not content."""
    if args and type(args[0]).__name__ in ("FunctionContext", "WorkflowContext", "Context"):
        args = args[1:]
    if workflow:
        return WorkflowInvocation(name, input=_inputs(args, kwargs))
    return StepInvocation(name, input=_inputs(args, kwargs))
