"""Tools bound to a chat model (``model.bind_tools(...)``, ``create_agent(tools=...)``).

LangChain passes them to the chat model's start callback in the invocation parameters
(``invocation_params["tools"]``, or the legacy ``functions``), already in the provider's
format; the telemetry layer reads those formats (:mod:`fluxloop_otel.telemetry.tool_definitions`).
A LangChain tool, pydantic model or function not yet converted (a model whose ``bind_tools``
keeps them as they are) goes through LangChain's ``convert_to_openai_tool``.
"""

from __future__ import annotations

from typing import Any, Mapping

#: At most this many tools are read.
MAX_TOOLS = 128


def _convert(tool: Any) -> dict[str, Any] | None:
    try:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        converted = convert_to_openai_tool(tool)
    except Exception:
        return None
    return converted if isinstance(converted, dict) else None


def bound_tools(params: Mapping[str, Any] | None) -> list[Any] | None:
    """The tools of a chat model call, as dicts in the provider's format (``None``: no tools)."""
    if not params:
        return None
    tools = params.get("tools")
    if tools is None:
        functions = params.get("functions")
        if isinstance(functions, (list, tuple)) and functions:
            tools = [{"type": "function", "function": f} if isinstance(f, dict) else f for f in functions]
    if not isinstance(tools, (list, tuple)) or not tools:
        return None
    out: list[Any] = []
    for tool in tools[:MAX_TOOLS]:
        if not isinstance(tool, dict):
            tool = _convert(tool)
            if tool is None:
                continue
        out.append(tool)
    return out or None


__all__ = ["bound_tools"]
