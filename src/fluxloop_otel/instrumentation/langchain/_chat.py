"""Chat model and LLM runs -> ``generation`` spans: model, provider, request parameters,
messages, token usage, finish reasons, and time to first chunk when streamed."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, ToolMessage
from langchain_core.outputs import ChatGeneration

from fluxloop_otel.core.usage import TokenUsage, usage_from_counts
from fluxloop_otel.instrumentation.langchain import _content, _tools_bound
from fluxloop_otel.instrumentation.langchain._runs import Run
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv import mapping
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for
from fluxloop_otel.serialization import Serializer

_SPEC = spec_for(ObservationType.GENERATION)
_COMPLETION = A.OPERATION.TEXT_COMPLETION.value
_SCALARS = (str, int, float, bool)
#: LangChain ``ls_provider`` values -> GenAI ``gen_ai.provider.name`` where they differ.
_PROVIDERS = {
    "azure": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "bedrock": "aws.bedrock",
    "amazon_bedrock": "aws.bedrock",
    "google_vertexai": "gcp.vertex_ai",
    "vertexai": "gcp.vertex_ai",
    "google_genai": "gcp.gemini",
    "mistralai": "mistral_ai",
    "xai": "x_ai",
    "ibm": "ibm.watsonx.ai",
}
#: Metadata LangChain derives from request parameters (used when the invocation params lack them).
_LS_PARAMETERS = {
    "ls_temperature": A.GEN_AI_REQUEST_TEMPERATURE,
    "ls_max_tokens": A.GEN_AI_REQUEST_MAX_TOKENS,
    "ls_stop": A.GEN_AI_REQUEST_STOP_SEQUENCES,
}
_INTERNAL_IDS = ("lc_run-", "run-")


_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
}


def message_parts(message: Any) -> dict[str, Any]:
    """A message in the GenAI ``{role, parts}`` shape; LangChain messages without generic probing.

    (Reading an attribute a pydantic message does not have costs an exception, so each
    message class is asked only for what it has.)
    """
    if not isinstance(message, BaseMessage):
        return mapping.message_parts(message)
    content = message.content
    if isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": message.tool_call_id, "response": content}],
        }
    parts: list[dict[str, Any]] = []
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    else:
        for block in content:
            text = block if isinstance(block, str) else block.get("text") if isinstance(block, dict) else None
            if isinstance(text, str):
                parts.append({"type": "text", "content": text})
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": call.get("args"),
                }
            )
        role = "assistant"
    elif isinstance(message, ChatMessage):
        role = message.role
    else:
        role = _ROLES.get(message.type, message.type)
    return {"role": role, "parts": parts}


def _usage(message: AIMessage | None, llm_output: Any) -> TokenUsage | None:
    """``usage_metadata`` of the message, else the provider's ``token_usage`` / ``usage``."""
    if message is not None:
        counts = message.usage_metadata  # LangChain's own dict: read it directly
        if counts:
            usage = TokenUsage(
                counts.get("input_tokens"), counts.get("output_tokens"), counts.get("total_tokens")
            )
            if usage:
                return usage
        metadata = message.response_metadata
        if metadata:
            usage = usage_from_counts(metadata.get("token_usage") or metadata.get("usage"))
            if usage:
                return usage
    if isinstance(llm_output, dict):
        return usage_from_counts(llm_output.get("token_usage") or llm_output.get("usage"))
    return None


def model_name(
    serialized: Mapping[str, Any] | None, params: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None
) -> str | None:
    """From the invocation parameters, the ``ls_model_name`` metadata, or the serialized kwargs."""
    for source, keys in (
        (params, ("model", "model_name", "model_id", "deployment_name")),
        (metadata, ("ls_model_name",)),
    ):
        if source:
            for key in keys:
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value
    kwargs = serialized.get("kwargs") if serialized else None
    if isinstance(kwargs, dict):
        for key in ("model", "model_name", "model_id"):
            value = kwargs.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _request_attributes(
    params: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None, serializer: Serializer
) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    if params:
        for key, value in params.items():
            if value is None or key.startswith("_"):
                continue
            if isinstance(value, _SCALARS) or (
                isinstance(value, (list, tuple)) and all(isinstance(v, _SCALARS) for v in value)
            ):
                recorded[key] = value
                attribute = A.REQUEST_PARAMETERS.get(key)
                if attribute is not None:
                    attributes[attribute] = list(value) if isinstance(value, tuple) else value
        if params.get("stream") is True:
            attributes[A.GEN_AI_REQUEST_STREAM] = True
    if metadata:
        for key, attribute in _LS_PARAMETERS.items():
            value = metadata.get(key)
            if (
                value is not None
                and attribute not in attributes
                and isinstance(value, (int, float, str, list))
            ):
                attributes[attribute] = value
    if recorded:
        attributes[A.LLM_INVOCATION_PARAMETERS] = _content.dumps(recorded, serializer, "metadata")
    return attributes


def start_attributes(
    name: str,
    serialized: Mapping[str, Any] | None,
    inputs: Sequence[Any],
    kwargs: Mapping[str, Any],
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    serializer: Serializer,
    capture: bool,
    chat: bool,
) -> tuple[str, dict[str, Any]]:
    """Span name and start attributes; ``inputs`` is one message list (chat) or prompt strings."""
    params = kwargs.get("invocation_params")
    params = params if isinstance(params, dict) else None
    model = model_name(serialized, params, metadata)
    _, attributes = _content.static_attributes(_SPEC, name)
    if not chat:
        attributes[A.GEN_AI_OPERATION_NAME] = _COMPLETION
    provider = metadata.get("ls_provider") if metadata else None
    if isinstance(provider, str) and provider:
        provider = _PROVIDERS.get(provider, provider)
        attributes[A.GEN_AI_PROVIDER_NAME] = provider
        attributes[A.LLM_PROVIDER] = provider
    if model:
        attributes[A.GEN_AI_REQUEST_MODEL] = model
        attributes[A.LLM_MODEL_NAME] = model
    attributes.update(_request_attributes(params, metadata, serializer))
    attributes.update(_content.shared_attributes(tags, metadata, serializer))
    if capture and params and ("tools" in params or "functions" in params):
        attributes.update(
            _tools_bound.tool_attributes(params, lambda value: _content.dumps(value, serializer, "input"))
        )
    if capture and inputs:
        messages = [message_parts(m) for m in inputs] if chat else [mapping.message_parts(str(inputs[0]))]
        text = _content.dumps(messages, serializer, "input")
        attributes[A.GEN_AI_INPUT_MESSAGES] = text
        attributes[A.INPUT_VALUE] = text
        attributes[A.INPUT_MIME_TYPE] = A.MIME_JSON
    operation = A.OPERATION.CHAT.value if chat else _COMPLETION
    return f"{operation} {model or name}", attributes


def end_attributes(response: Any, run: Run, serializer: Serializer, capture: bool) -> dict[str, Any]:
    """Usage, response model and id, finish reasons, output messages, streaming timings."""
    attributes: dict[str, Any] = {}
    generations = getattr(response, "generations", None) or []
    generations = generations[0] if generations else []
    llm_output = getattr(response, "llm_output", None) or {}
    response_model = None
    response_id = None
    reasons: list[str] = []
    messages: list[dict[str, Any]] = []
    text_only: str | None = None
    first_message: AIMessage | None = None
    for generation in generations:
        info = generation.generation_info or {}
        reason = info.get("finish_reason")
        message = generation.message if isinstance(generation, ChatGeneration) else None
        if isinstance(message, AIMessage):
            if first_message is None:
                first_message = message
            metadata = message.response_metadata or {}
            reason = reason or metadata.get("finish_reason") or metadata.get("stop_reason")
            response_model = response_model or metadata.get("model_name") or metadata.get("model")
            if (
                response_id is None
                and isinstance(message.id, str)
                and not message.id.startswith(_INTERNAL_IDS)
            ):
                response_id = message.id
            parts = message_parts(message) if capture else None
            tool_calls = bool(message.tool_calls)
        else:
            parts = mapping.message_parts(generation.text) if capture else None
            tool_calls = False
        if isinstance(reason, str):
            reasons.append(reason)
        if parts is not None:
            parts["role"] = "assistant"
            parts["finish_reason"] = (
                reason if isinstance(reason, str) else ("tool_call" if tool_calls else "stop")
            )
            messages.append(parts)
            if len(generations) == 1 and not tool_calls:
                text_only = getattr(generation, "text", None)
    usage = _usage(first_message, llm_output)
    if usage:
        attributes.update(mapping.usage_attributes(usage))
    if response_model is None and isinstance(llm_output, dict):
        response_model = llm_output.get("model_name") or llm_output.get("model")
    if isinstance(response_model, str) and response_model:
        attributes[A.GEN_AI_RESPONSE_MODEL] = response_model
    if response_id:
        attributes[A.GEN_AI_RESPONSE_ID] = response_id
    if reasons:
        attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
    if messages:
        text = _content.dumps(messages, serializer, "output")
        attributes[A.GEN_AI_OUTPUT_MESSAGES] = text
        if isinstance(text_only, str) and text_only:
            attributes[A.OUTPUT_VALUE] = serializer.text(str.__str__(text_only))
        else:
            attributes[A.OUTPUT_VALUE] = text
            attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
    if run.first_token_ns:
        attributes[A.GEN_AI_REQUEST_STREAM] = True
        attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = (run.first_token_ns - run.started_ns) / 1e9
        attributes[A.FLUXLOOP_STREAM_CHUNKS] = run.chunks
    return attributes
