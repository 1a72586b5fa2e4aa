"""Tool definitions offered to a model -> ``gen_ai.tool.definitions`` and OpenInference ``llm.tools``.

The reader of tool definitions, as :mod:`~fluxloop_otel.telemetry.messages` is the reader of
messages: a model call's tools arrive in the provider's format; this turns them into

* ``gen_ai.tool.definitions`` (GenAI semantic conventions): one
  ``{"type": "function", "name", "description", "parameters"}`` per function tool,
  ``{"type", "name"}`` for a provider's built-in tool;
* ``llm.tools.{i}.tool.json_schema`` (OpenInference): each tool's JSON as the provider got it.

Recognised formats: OpenAI chat (``{"type": "function", "function": {...}}``), OpenAI
responses / flat (``{"type": "function", "name", "parameters"}``), Anthropic
(``input_schema``), Bedrock Converse (``toolSpec``), Gemini (``function_declarations``),
built-in tools (``{"type": "web_search", ...}``). Anything else is skipped. Both attributes
are content: the emitter sets them only when content capture is on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Sequence

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import Serializer

#: At most this many tools are described on a span.
MAX_TOOLS = 128
_SCHEMA_KEY = "." + A.TOOL_JSON_SCHEMA


def _function(name: Any, description: Any, parameters: Any) -> dict[str, Any] | None:
    if not isinstance(name, str) or not name:
        return None
    definition: dict[str, Any] = {"type": "function", "name": name}
    if isinstance(description, str) and description:
        definition["description"] = description
    if isinstance(parameters, dict):
        definition["parameters"] = parameters
    return definition


def genai_definitions(tool: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The GenAI definitions of one tool in a provider's format (Gemini groups several)."""
    function = tool.get("function")
    if isinstance(function, dict):  # OpenAI chat completions
        found = _function(function.get("name"), function.get("description"), function.get("parameters"))
        return [found] if found else []
    spec = tool.get("toolSpec")
    if isinstance(spec, dict):  # Bedrock Converse
        schema = spec.get("inputSchema")
        schema = schema.get("json", schema) if isinstance(schema, dict) else None
        found = _function(spec.get("name"), spec.get("description"), schema)
        return [found] if found else []
    declarations = tool.get("function_declarations", tool.get("functionDeclarations"))
    if isinstance(declarations, (list, tuple)):  # Gemini
        out = []
        for declaration in declarations:
            if isinstance(declaration, dict):
                found = _function(
                    declaration.get("name"),
                    declaration.get("description"),
                    declaration.get("parameters", declaration.get("parameters_json_schema")),
                )
                if found:
                    out.append(found)
        return out
    kind = tool.get("type")
    name = tool.get("name")
    if "input_schema" in tool and (kind is None or kind == "custom"):  # Anthropic client tools
        found = _function(name, tool.get("description"), tool.get("input_schema"))
        return [found] if found else []
    if kind == "function" or (kind is None and "parameters" in tool):  # flat function (responses API)
        found = _function(name, tool.get("description"), tool.get("parameters"))
        return [found] if found else []
    if isinstance(kind, str) and kind:  # a provider's built-in tool (web search, code interpreter...)
        return [{"type": kind, "name": name if isinstance(name, str) and name else kind}]
    return []


def tool_definition_attributes(tools: Sequence[Any], serializer: Serializer) -> dict[str, Any]:
    """``gen_ai.tool.definitions`` and ``llm.tools.{i}.tool.json_schema`` of ``tools`` (dicts
    in a provider's format; others are skipped)."""
    attributes: dict[str, Any] = {}
    genai: list[dict[str, Any]] = []
    index = 0
    for tool in tools[:MAX_TOOLS]:
        if not isinstance(tool, Mapping):
            continue
        genai.extend(genai_definitions(tool))
        attributes[f"{A.LLM_TOOLS}.{index}{_SCHEMA_KEY}"] = serializer.dumps(tool, "tool_definitions")
        index += 1
    if genai:
        attributes[A.GEN_AI_TOOL_DEFINITIONS] = serializer.dumps(genai, "tool_definitions")
    return attributes


__all__ = ["MAX_TOOLS", "genai_definitions", "tool_definition_attributes"]
