"""Chat model and LLM runs -> :class:`~fluxloop_otel.telemetry.LLMInvocation` records."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration

from fluxloop_otel.instrumentation.langchain._content import run_fields
from fluxloop_otel.instrumentation.langchain._tools_bound import bound_tools
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import LLMInvocation, TokenUsage
from fluxloop_otel.telemetry.usage import extract_response_model, usage_from_counts

_COMPLETION = A.OPERATION.TEXT_COMPLETION.value
_CHAT = A.OPERATION.CHAT.value
#: LangChain ``ls_provider`` values -> GenAI ``gen_ai.provider.name`` where they differ.
PROVIDERS = {
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
_LS_PARAMETERS = {"ls_temperature": "temperature", "ls_max_tokens": "max_tokens", "ls_stop": "stop"}


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


def _parameters(params: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    parameters = dict(params) if params else {}
    if metadata:
        for key, name in _LS_PARAMETERS.items():
            value = metadata.get(key)
            if value is not None and name not in parameters:
                parameters[name] = value
    return parameters or None


def start_record(
    name: str,
    serialized: Mapping[str, Any] | None,
    inputs: Sequence[Any],
    kwargs: Mapping[str, Any],
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    chat: bool,
) -> LLMInvocation:
    """The record of a model run; ``inputs`` is one message list (chat) or prompt strings."""
    params = kwargs.get("invocation_params")
    params = params if isinstance(params, dict) else None
    provider = metadata.get("ls_provider") if metadata else None
    fields = run_fields(tags, metadata)
    return LLMInvocation(
        name,
        operation=_CHAT if chat else _COMPLETION,
        request_model=model_name(serialized, params, metadata),
        provider=PROVIDERS.get(provider, provider) if isinstance(provider, str) and provider else None,
        parameters=_parameters(params, metadata),
        messages=(list(inputs) if chat else str(inputs[0])) if inputs else None,
        tool_definitions=bound_tools(params),
        tags=fields.tags,
        metadata=fields.metadata,
        session_id=fields.session_id,
        user_id=fields.user_id,
    )


def _usage(message: AIMessage | None, llm_output: Any) -> TokenUsage | None:
    """``usage_metadata`` of the message, else the provider's ``token_usage`` / ``usage``."""
    if message is not None:
        counts = message.usage_metadata  # LangChain's own dict: read it directly
        usage: TokenUsage | None
        if counts:
            usage = TokenUsage(counts.get("input_tokens"), counts.get("output_tokens"), counts.get("total_tokens"))
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


def finish_record(record: LLMInvocation, response: Any) -> None:
    """Fill the outcome of a model run from LangChain's ``LLMResult``."""
    generations = getattr(response, "generations", None) or []
    generations = generations[0] if generations else []
    llm_output = getattr(response, "llm_output", None) or {}
    outputs: list[Any] = []
    first_message: AIMessage | None = None
    reasons: list[str] = []
    for generation in generations:
        info = generation.generation_info or {}
        reason = info.get("finish_reason")
        message = generation.message if isinstance(generation, ChatGeneration) else None
        if isinstance(message, AIMessage):
            if first_message is None:
                first_message = message
            metadata = message.response_metadata or {}
            reason = reason or metadata.get("finish_reason") or metadata.get("stop_reason")
            outputs.append(message)
        else:
            outputs.append({"role": "assistant", "content": generation.text})
        reasons.append(reason if isinstance(reason, str) else None)  # type: ignore[arg-type]
    record.output_messages = outputs
    record.finish_reasons = reasons if any(reasons) else None
    record.usage = _usage(first_message, llm_output)
    model = extract_response_model(first_message) if first_message is not None else None
    if model is None and isinstance(llm_output, dict):
        model = llm_output.get("model_name") or llm_output.get("model")
    if isinstance(model, str) and model:
        record.response_model = model
