"""Tool definitions bound to a chat model (``model.bind_tools(...)``, ``create_agent(tools=...)``).

LangChain passes the bound tools to the chat model's start callback in its invocation
parameters (``invocation_params["tools"]``), already in the provider's format. This module
turns them into:

* ``gen_ai.tool.definitions``: the GenAI semantic-convention shape, one
  ``{"type": "function", "name", "description", "parameters"}`` per function tool
  (``{"type", "name", ...}`` as given for provider built-in tools);
* ``llm.tools.{i}.tool.json_schema``: OpenInference, each tool's JSON as the provider got it.

Recognised formats: OpenAI chat (``{"type": "function", "function": {...}}``), OpenAI
responses / flat (``{"type": "function", "name": ...}``), Anthropic (``input_schema``),
Bedrock Converse (``toolSpec``), Gemini (``function_declarations``), built-in tools
(``{"type": "web_search", ...}``), and LangChain tools, pydantic models or functions not yet
converted (through LangChain's ``convert_to_openai_tool``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel import _json
from fluxloop_otel.semconv import attributes as A

#: OpenInference: ``llm.tools.{i}.tool.json_schema``.
LLM_TOOLS_PREFIX = A.LLM_TOOLS + "."
JSON_SCHEMA_SUFFIX = "." + A.TOOL_JSON_SCHEMA
#: At most this many tools are described on a span.
MAX_TOOLS = 128


def bound_tools(params: Mapping[str, Any] | None) -> Sequence[Any] | None:
    """The tools in a chat model's invocation parameters (``tools``, or legacy ``functions``)."""
    if not params:
        return None
    tools = params.get("tools")
    if tools is None:
        tools = params.get("functions")
        if tools is not None and isinstance(tools, (list, tuple)):
            return [{"type": "function", "function": f} if isinstance(f, dict) else f for f in tools]
    return tools if isinstance(tools, (list, tuple)) and tools else None


def _function(name: Any, description: Any, parameters: Any) -> dict[str, Any] | None:
    if not isinstance(name, str) or not name:
        return None
    definition: dict[str, Any] = {"type": "function", "name": name}
    if isinstance(description, str) and description:
        definition["description"] = description
    if isinstance(parameters, dict):
        definition["parameters"] = parameters
    return definition


def _from_dict(tool: Mapping[str, Any]) -> list[dict[str, Any]]:
    function = tool.get("function")
    if isinstance(function, dict):  # OpenAI chat completions
        one = _function(function.get("name"), function.get("description"), function.get("parameters"))
        return [one] if one else []
    spec = tool.get("toolSpec")
    if isinstance(spec, dict):  # Bedrock Converse
        schema = spec.get("inputSchema")
        schema = schema.get("json", schema) if isinstance(schema, dict) else None
        one = _function(spec.get("name"), spec.get("description"), schema)
        return [one] if one else []
    declarations = tool.get("function_declarations", tool.get("functionDeclarations"))
    if isinstance(declarations, (list, tuple)):  # Gemini
        out = []
        for declaration in declarations:
            if isinstance(declaration, dict):
                one = _function(
                    declaration.get("name"),
                    declaration.get("description"),
                    declaration.get("parameters", declaration.get("parameters_json_schema")),
                )
                if one:
                    out.append(one)
        return out
    kind = tool.get("type")
    name = tool.get("name")
    if "input_schema" in tool and (kind is None or kind == "custom"):  # Anthropic client tools
        one = _function(name, tool.get("description"), tool.get("input_schema"))
        return [one] if one else []
    if kind == "function" or (kind is None and "parameters" in tool):  # flat function (responses API)
        one = _function(name, tool.get("description"), tool.get("parameters"))
        return [one] if one else []
    if isinstance(kind, str) and kind:  # a provider's built-in tool (web search, code interpreter...)
        return [{"type": kind, "name": name if isinstance(name, str) and name else kind}]
    return []


def _convert(tool: Any) -> dict[str, Any] | None:
    """A LangChain tool, pydantic model or function in the OpenAI format (LangChain's converter)."""
    try:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        converted = convert_to_openai_tool(tool)
    except Exception:
        return None
    return converted if isinstance(converted, dict) else None


def definitions(tools: Sequence[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """``(GenAI definitions, the tools as the provider got them)`` for ``tools``."""
    genai: list[dict[str, Any]] = []
    raw: list[Any] = []
    for tool in tools[:MAX_TOOLS]:
        if not isinstance(tool, dict):
            converted = _convert(tool)
            if converted is None:
                continue
            tool = converted
        raw.append(tool)
        genai.extend(_from_dict(tool))
    return genai, raw


def tool_attributes(params: Mapping[str, Any] | None, dumps: Any = _json.dumps) -> dict[str, Any]:
    """``gen_ai.tool.definitions`` and ``llm.tools.{i}.tool.json_schema`` of a chat call's bound
    tools (empty without tools). Content: call only when content capture is on."""
    tools = bound_tools(params)
    if not tools:
        return {}
    genai, raw = definitions(tools)
    attributes: dict[str, Any] = {}
    if genai:
        attributes[A.GEN_AI_TOOL_DEFINITIONS] = dumps(genai)
    for index, tool in enumerate(raw):
        attributes[f"{LLM_TOOLS_PREFIX}{index}{JSON_SCHEMA_SUFFIX}"] = dumps(tool)
    return attributes


__all__ = ["bound_tools", "definitions", "tool_attributes"]
