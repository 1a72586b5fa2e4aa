"""What a NAT function or run is, as a telemetry record.

* the workflow's entry function (the one a ``Runner`` runs): ``agent``;
* a function whose config is a NAT agent config (``AgentBaseConfig``: react, tool calling,
  ReWOO... agents used as tools of another agent): ``agent``;
* any other function: ``tool`` (NAT functions are what agents call), with the function's
  description and the JSON schema of its Pydantic input model;
* a run (``Runner.result`` / ``result_stream``): the workflow root.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from fluxloop_otel.telemetry import (
    AgentInvocation,
    Invocation,
    ToolCall,
    WorkflowInvocation,
)

#: NAT's placeholder instance name of the workflow function.
_WORKFLOW_PLACEHOLDER = "<workflow>"

_schemas: "weakref.WeakKeyDictionary[type, str | None]" = weakref.WeakKeyDictionary()
_agent_config_types: list[type] = []


def _agent_config_type() -> type | None:
    if not _agent_config_types:
        try:
            from nat.data_models.agent import AgentBaseConfig
        except Exception:  # pragma: no cover - an older NAT without the agent base config
            return None
        _agent_config_types.append(AgentBaseConfig)
    return _agent_config_types[0]


def parameters_schema(function: Any) -> str | None:
    """The JSON schema of a function's Pydantic input model, computed once per model."""
    try:
        model = function.input_schema
    except Exception:
        return None
    if model is None:
        return None
    try:
        return _schemas[model]
    except (KeyError, TypeError):
        pass
    try:
        text: str | None = json.dumps(model.model_json_schema(), separators=(",", ":"), default=str)
    except Exception:
        text = None
    try:
        _schemas[model] = text
    except TypeError:
        pass
    return text


def workflow_name(entry: Any) -> str:
    """The run's name as NAT computes it: config ``name``, else the instance name, else the type."""
    config = getattr(entry, "config", None)
    name = getattr(config, "name", None)
    if not name:
        name = getattr(entry, "instance_name", None) or ""
        if name == _WORKFLOW_PLACEHOLDER:
            name = getattr(config, "type", None) or "workflow"
    return str(name or "workflow")


def function_name(function: Any) -> str:
    name = getattr(function, "instance_name", None)
    if not name or name == _WORKFLOW_PLACEHOLDER:
        return workflow_name(function)
    return str(name)


def is_agent(function: Any) -> bool:
    agent_config = _agent_config_type()
    return agent_config is not None and isinstance(getattr(function, "config", None), agent_config)


def function_record(function: Any, value: Any, entry: bool) -> Invocation:
    """The record of one ``Function.ainvoke`` / ``astream`` call."""
    description = getattr(function, "description", None)
    description = description if isinstance(description, str) and description else None
    if entry or is_agent(function):
        return AgentInvocation(
            function_name(function),
            input=value,
            description=description,
            metadata={"nat.function.type": getattr(getattr(function, "config", None), "type", None)},
        )
    return ToolCall(
        function_name(function),
        input=value,
        description=description,
        tool_type="function",
        parameters_schema=parameters_schema(function),
    )


def run_record(runner: Any) -> WorkflowInvocation:
    """The record of one run (``Runner.result`` / ``result_stream``)."""
    entry = getattr(runner, "_entry_fn", None)
    return WorkflowInvocation(workflow_name(entry), input=getattr(runner, "_input_message", None))
