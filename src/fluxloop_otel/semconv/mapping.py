"""Per-observation-type attributes computed from call arguments and return values.

The decorators, ``push_observation`` and the LangChain mapping call these; they only
build dictionaries (the caller sets them on the span in one call).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from fluxloop_otel.core.usage import TokenUsage, extract_response_model, extract_usage, field
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.serialization import Serializer

MAX_DOCUMENTS = 50
_QUERY_PARAMETERS = ("query", "question", "q", "text", "input")
_TOP_K_PARAMETERS = ("k", "top_k", "limit", "n_results")


def encode_output(result: Any, serializer: Serializer) -> tuple[str, str | None]:
    """``output.value`` text and its mime type (``None`` = OpenInference default text/plain)."""
    if type(result) is str:
        return serializer.text(result), None
    return serializer.dumps(result, "output"), A.MIME_JSON


def usage_attributes(usage: TokenUsage) -> dict[str, int]:
    """GenAI and OpenInference token-count attributes."""
    attributes: dict[str, int] = {}
    if usage.input_tokens is not None:
        attributes[A.GEN_AI_USAGE_INPUT_TOKENS] = usage.input_tokens
        attributes[A.LLM_TOKEN_COUNT_PROMPT] = usage.input_tokens
    if usage.output_tokens is not None:
        attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] = usage.output_tokens
        attributes[A.LLM_TOKEN_COUNT_COMPLETION] = usage.output_tokens
    total = usage.total
    if total is not None:
        attributes[A.LLM_TOKEN_COUNT_TOTAL] = total
    return attributes


def model_attributes(model: str, provider: str | None = None, response: bool = False) -> dict[str, str]:
    """Request (or response) model and provider attributes."""
    attributes = {A.GEN_AI_RESPONSE_MODEL if response else A.GEN_AI_REQUEST_MODEL: model, A.LLM_MODEL_NAME: model}
    if provider:
        attributes[A.GEN_AI_PROVIDER_NAME] = provider
        attributes[A.LLM_PROVIDER] = provider
    return attributes


# -- generation --------------------------------------------------------------------------------
def _message_role(message: Any) -> str:
    role = field(message, "role")
    if isinstance(role, str):
        return role
    kind = field(message, "type")  # LangChain messages: human / ai / system / tool
    return {"human": "user", "ai": "assistant"}.get(kind, kind) if isinstance(kind, str) else "user"


def message_parts(message: Any) -> dict[str, Any]:
    """One chat message in the GenAI ``{"role", "parts"}`` shape."""
    if isinstance(message, str):
        return {"role": "user", "parts": [{"type": "text", "content": message}]}
    content = field(message, "content")
    parts: list[dict[str, Any]] = []
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for block in content:
            text = block if isinstance(block, str) else field(block, "text")
            if isinstance(text, str):
                parts.append({"type": "text", "content": text})
    for call in field(message, "tool_calls") or ():
        function = field(call, "function")
        parts.append(
            {
                "type": "tool_call",
                "id": field(call, "id"),
                "name": field(call, "name") or field(function, "name"),
                "arguments": field(call, "args") or field(function, "arguments"),
            }
        )
    tool_call_id = field(message, "tool_call_id")
    if tool_call_id:
        parts = [{"type": "tool_call_response", "id": tool_call_id, "response": content}]
    return {"role": _message_role(message), "parts": parts}


def _response_text(result: Any) -> str | None:
    if isinstance(result, str):
        return result
    for key in ("text", "content", "output"):
        value = field(result, key)
        if isinstance(value, str):
            return value
    choices = field(result, "choices")
    if isinstance(choices, (list, tuple)) and choices:
        message = field(choices[0], "message")
        value = field(message, "content") if message is not None else field(choices[0], "text")
        if isinstance(value, str):
            return value
    return None


def generation_input_attributes(bound: Mapping[str, Any], serializer: Serializer, capture: bool) -> dict[str, Any]:
    """Request parameters, model and input messages found among a generation's arguments."""
    attributes: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    for name, value in bound.items():
        key = A.REQUEST_PARAMETERS.get(name)
        if key is not None and value is not None and isinstance(value, (int, float, str, list, tuple)):
            attributes[key] = list(value) if isinstance(value, tuple) else value
            parameters[name] = value
    if parameters:
        attributes[A.LLM_INVOCATION_PARAMETERS] = serializer.dumps(parameters, "metadata")
    model = bound.get("model")
    if isinstance(model, str) and model:
        attributes.update(model_attributes(model))
    if capture:
        messages = bound.get("messages")
        if isinstance(messages, (list, tuple)) and messages:
            attributes[A.GEN_AI_INPUT_MESSAGES] = serializer.dumps([message_parts(m) for m in messages], "input")
        elif isinstance(bound.get("prompt"), str):
            attributes[A.GEN_AI_INPUT_MESSAGES] = serializer.dumps([message_parts(bound["prompt"])], "input")
    return attributes


def generation_output_attributes(result: Any, serializer: Serializer, capture: bool, tokens: bool) -> dict[str, Any]:
    """Token usage, response model, finish reasons and output messages of a generation."""
    attributes: dict[str, Any] = {}
    if tokens:
        usage = extract_usage(result)
        if usage:
            attributes.update(usage_attributes(usage))
    model = extract_response_model(result)
    if model:
        attributes[A.GEN_AI_RESPONSE_MODEL] = model
    finish = _finish_reason(result)
    if finish:
        attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] = [finish]
    if capture:
        text = _response_text(result)
        if text is not None:
            message = {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": finish or "stop"}
            attributes[A.GEN_AI_OUTPUT_MESSAGES] = serializer.dumps([message], "output")
    return attributes


def _finish_reason(result: Any) -> str | None:
    if result is None or isinstance(result, (str, int, float, bool, list, tuple)):
        return None
    reason = field(result, "finish_reason")
    if not isinstance(reason, str):
        choices = field(result, "choices")
        if isinstance(choices, (list, tuple)) and choices:
            reason = field(choices[0], "finish_reason")
    if not isinstance(reason, str):
        metadata = field(result, "response_metadata")
        reason = field(metadata, "finish_reason") if metadata is not None else None
    return reason if isinstance(reason, str) else None


# -- retrieval ---------------------------------------------------------------------------------
def retrieval_input_attributes(bound: Mapping[str, Any], capture: bool, serializer: Serializer | None = None) -> dict[str, Any]:
    """Query text (through the serializer's redaction and cap) and ``top_k`` found among a retrieval's arguments."""
    attributes: dict[str, Any] = {}
    if capture:
        query = next((bound[n] for n in _QUERY_PARAMETERS if isinstance(bound.get(n), str)), None)
        if query is None:
            query = next((v for v in bound.values() if isinstance(v, str)), None)
        if query is not None and serializer is not None:
            query = serializer.to_jsonable(query, "input")
            query = query if isinstance(query, str) else serializer.encode(query)
        if query is not None:
            attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = query
    top_k = next((bound[n] for n in _TOP_K_PARAMETERS if type(bound.get(n)) is int), None)
    if top_k is not None:
        attributes[A.GEN_AI_REQUEST_TOP_K] = top_k
    return attributes


def normalize_document(item: Any) -> dict[str, Any]:
    """A retrieved item as ``{id, content, score, metadata}`` (keys present only when known)."""
    if isinstance(item, str):
        return {"content": item}
    document: dict[str, Any] = {}
    content = next((v for k in ("page_content", "content", "text") if isinstance(v := field(item, k), str)), None)
    if content is not None:
        document["content"] = content
    doc_id = field(item, "id")
    if doc_id is not None and not isinstance(doc_id, (dict, list)):
        document["id"] = str(doc_id)
    metadata = field(item, "metadata")
    score = field(item, "score")
    if score is None and isinstance(metadata, Mapping):
        score = metadata.get("score", metadata.get("relevance_score"))
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        document["score"] = float(score)
    if isinstance(metadata, Mapping) and metadata:
        document["metadata"] = dict(metadata)
    return document


def documents_attributes(items: Iterable[Any], serializer: Serializer, capture: bool) -> dict[str, Any]:
    """OpenInference ``retrieval.documents.{i}.document.*`` plus ``gen_ai.retrieval.documents``."""
    attributes: dict[str, Any] = {}
    summary: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if index >= MAX_DOCUMENTS:
            break
        document = normalize_document(item)
        prefix = f"{A.RETRIEVAL_DOCUMENTS}.{index}."
        entry: dict[str, Any] = {}
        if "id" in document:
            attributes[prefix + A.DOCUMENT_ID] = document["id"]
            entry["id"] = document["id"]
        if "score" in document:
            attributes[prefix + A.DOCUMENT_SCORE] = document["score"]
            entry["score"] = document["score"]
        if capture and "content" in document:
            attributes[prefix + A.DOCUMENT_CONTENT] = serializer.text(document["content"])
            entry["content"] = document["content"]
        if capture and "metadata" in document:
            attributes[prefix + A.DOCUMENT_METADATA] = serializer.dumps(document["metadata"], "metadata")
        summary.append(entry)
    if summary:
        attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS] = serializer.dumps(summary, "output")
    return attributes


def retrieval_output_attributes(result: Any, serializer: Serializer, capture: bool) -> dict[str, Any]:
    """Documents returned by a retrieval (a list, or a mapping with ``documents``)."""
    items = result
    if isinstance(result, Mapping):
        items = result.get("documents", result.get("results"))
    if isinstance(items, (list, tuple)):
        return documents_attributes(items, serializer, capture)
    return {}


# -- embedding ---------------------------------------------------------------------------------
def embedding_output_summary(result: Any) -> tuple[int, int] | None:
    """``(vector count, dimensions)`` of an embedding result: one vector or a list of them."""
    if isinstance(result, (list, tuple)) and result:
        first = result[0]
        if isinstance(first, (int, float)):
            return 1, len(result)
        if isinstance(first, (list, tuple)):
            return len(result), len(first)
    return None


def embedding_output_attributes(result: Any) -> dict[str, Any]:
    summary = embedding_output_summary(result)
    if summary is None:
        return {}
    return {A.FLUXLOOP_EMBEDDING_COUNT: summary[0], A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: summary[1]}


def output_attributes(
    observation_type: ObservationType, result: Any, serializer: Serializer, capture: bool, tokens: bool
) -> dict[str, Any]:
    """Type-specific attributes read from a return value."""
    if observation_type is ObservationType.GENERATION:
        return generation_output_attributes(result, serializer, capture, tokens)
    if observation_type is ObservationType.RETRIEVAL:
        return retrieval_output_attributes(result, serializer, capture)
    if observation_type is ObservationType.EMBEDDING:
        return embedding_output_attributes(result)
    return {}


def input_attributes(
    observation_type: ObservationType, bound: Mapping[str, Any], serializer: Serializer, capture: bool
) -> dict[str, Any]:
    """Type-specific attributes read from bound arguments."""
    if observation_type is ObservationType.GENERATION:
        return generation_input_attributes(bound, serializer, capture)
    if observation_type is ObservationType.RETRIEVAL:
        return retrieval_input_attributes(bound, capture, serializer)
    return {}
