"""Records -> span attributes: the one mapping onto GenAI, OpenInference and FluxLoop attributes.

Pure functions over a record, a :class:`~fluxloop_otel.serialization.Serializer` and the
content switch; the emitter sets what they return in one call at start and one at end.
Static attributes (those fixed for a given record "shape": type, name, model, description)
are cached, so adapters that start the same kind of work many times pay for them once.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType, TypeSpec, spec_for, workflow_span_name
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry import documents as D
from fluxloop_otel.telemetry import messages as M
from fluxloop_otel.telemetry.media import MediaPolicy
from fluxloop_otel.telemetry.pricing import Pricing
from fluxloop_otel.telemetry.records import (
    UNSET,
    AgentInvocation,
    EmbeddingInvocation,
    Invocation,
    LLMInvocation,
    RetrievalInvocation,
    ToolCall,
    WorkflowInvocation,
)
from fluxloop_otel.telemetry.tool_definitions import tool_definition_attributes
from fluxloop_otel.telemetry.usage import TokenUsage, extract_response_model, extract_usage

_T = ObservationType
_WORKFLOW = A.OPERATION.INVOKE_WORKFLOW.value
_SCALARS = (str, int, float, bool)


# -- values ---------------------------------------------------------------------------------------
def encode_value(value: Any, serializer: Serializer, field: str) -> tuple[str, str | None]:
    """Attribute text of a value and its mime type (``None``: OpenInference's default text/plain)."""
    if isinstance(value, str):  # LangChain returns str subclasses (TextAccessor)
        return serializer.text(value if type(value) is str else str.__str__(value), field), None
    return serializer.dumps(value, field), A.MIME_JSON


def _put_value(attributes: dict[str, Any], value_key: str, mime_key: str, text: str, mime: str | None) -> None:
    attributes[value_key] = text
    if mime is not None:
        attributes[mime_key] = mime


#: TokenUsage field -> its GenAI and OpenInference attributes.
_USAGE_ATTRIBUTES = (
    ("cache_read_input_tokens", A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, A.LLM_TOKEN_COUNT_PROMPT_CACHE_READ),
    ("cache_creation_input_tokens", A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, A.LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE),
    ("reasoning_output_tokens", A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, A.LLM_TOKEN_COUNT_COMPLETION_REASONING),
)


def usage_attributes(usage: TokenUsage) -> dict[str, int]:
    """GenAI and OpenInference token-count attributes (with cache and reasoning details)."""
    attributes: dict[str, int] = {}
    if usage.has_details:
        for name, genai, openinference in _USAGE_ATTRIBUTES:
            value = getattr(usage, name)
            if value is not None:
                attributes[genai] = attributes[openinference] = value
    if usage.input_tokens is not None:
        attributes[A.GEN_AI_USAGE_INPUT_TOKENS] = attributes[A.LLM_TOKEN_COUNT_PROMPT] = usage.input_tokens
    if usage.output_tokens is not None:
        attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] = attributes[A.LLM_TOKEN_COUNT_COMPLETION] = usage.output_tokens
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


def parameter_attributes(parameters: Mapping[str, Any], serializer: Serializer) -> dict[str, Any]:
    """Request parameters: GenAI ``gen_ai.request.*`` and OpenInference ``llm.invocation_parameters``."""
    attributes: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    for key, value in parameters.items():
        if value is None or key.startswith("_"):
            continue
        if isinstance(value, _SCALARS) or (isinstance(value, (list, tuple)) and all(isinstance(v, _SCALARS) for v in value)):
            recorded[key] = value
            attribute = A.REQUEST_PARAMETERS.get(key)
            if attribute is not None:
                attributes[attribute] = list(value) if isinstance(value, tuple) else value
    if parameters.get("stream") is True:
        attributes[A.GEN_AI_REQUEST_STREAM] = True
    if recorded:
        attributes[A.LLM_INVOCATION_PARAMETERS] = serializer.dumps(recorded, "parameters")
    return attributes


# -- static attributes ----------------------------------------------------------------------------
_static_cache: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}


def _static_key(inv: Invocation) -> tuple[Any, ...] | None:
    """What the static attributes of ``inv`` depend on (None: not cacheable)."""
    kind = type(inv)
    if kind is ToolCall:
        return (kind, inv.name, inv.description, inv.tool_type, inv.parameters_schema, inv.detail)  # type: ignore[attr-defined]
    if kind is LLMInvocation:
        return (kind, inv.name, inv.operation, inv.request_model, inv.provider, inv.detail)  # type: ignore[attr-defined]
    if kind is AgentInvocation:
        return (kind, inv.name, inv.agent_id, inv.description, inv.detail)  # type: ignore[attr-defined]
    if kind is RetrievalInvocation:
        return (kind, inv.name, inv.data_source, inv.top_k, inv.detail)  # type: ignore[attr-defined]
    if kind is EmbeddingInvocation:
        return (kind, inv.name, inv.request_model, inv.provider, inv.detail)  # type: ignore[attr-defined]
    if kind is WorkflowInvocation:
        return None
    return (kind, inv.name, inv.detail)


def static(inv: Invocation) -> tuple[str, dict[str, Any]]:
    """Span name and the attributes fixed by the record's shape (a cached dict: copy before changing)."""
    key = _static_key(inv)
    if key is not None:
        cached = _static_cache.get(key)
        if cached is not None:
            return cached
    result = _build_static(inv)
    if key is not None:
        if len(_static_cache) >= 4096:  # names are few; this only bounds pathological ones
            _static_cache.clear()
        _static_cache[key] = result
    return result


def _build_static(inv: Invocation) -> tuple[str, dict[str, Any]]:
    if isinstance(inv, WorkflowInvocation):
        return workflow_span_name(inv.name), {
            A.GEN_AI_OPERATION_NAME: _WORKFLOW,
            A.GEN_AI_WORKFLOW_NAME: inv.name,
            A.OPENINFERENCE_SPAN_KIND: A.SPAN_KIND.CHAIN.value,
        }
    spec: TypeSpec = spec_for(inv.observation_type)
    attributes: dict[str, Any] = spec.static_attributes(inv.name)
    if spec.name_attributes:  # the record builder reads agent/tool names from gen_ai.* names
        attributes.pop(A.FLUXLOOP_OBSERVATION_NAME, None)
    detail = inv.detail
    if isinstance(inv, ToolCall):
        if inv.description:
            attributes[A.GEN_AI_TOOL_DESCRIPTION] = inv.description
            attributes[A.TOOL_DESCRIPTION] = inv.description
        if inv.tool_type:
            attributes[A.GEN_AI_TOOL_TYPE] = inv.tool_type
        if inv.parameters_schema:
            attributes[A.TOOL_PARAMETERS] = inv.parameters_schema
    elif isinstance(inv, LLMInvocation):
        if inv.operation != A.OPERATION.CHAT.value:
            attributes[A.GEN_AI_OPERATION_NAME] = inv.operation
        if inv.provider:
            attributes[A.GEN_AI_PROVIDER_NAME] = inv.provider
            attributes[A.LLM_PROVIDER] = inv.provider
        if inv.request_model:
            attributes[A.GEN_AI_REQUEST_MODEL] = inv.request_model
            attributes[A.LLM_MODEL_NAME] = inv.request_model
        detail = detail or inv.request_model
        return f"{inv.operation} {detail or inv.name}", attributes
    elif isinstance(inv, AgentInvocation):
        if inv.agent_id:
            attributes[A.GEN_AI_AGENT_ID] = inv.agent_id
        if inv.description:
            attributes[A.GEN_AI_AGENT_DESCRIPTION] = inv.description
    elif isinstance(inv, RetrievalInvocation):
        if inv.data_source:
            attributes[A.GEN_AI_DATA_SOURCE_ID] = inv.data_source
        if inv.top_k is not None:
            attributes[A.GEN_AI_REQUEST_TOP_K] = inv.top_k
        detail = detail or inv.data_source
    elif isinstance(inv, EmbeddingInvocation):
        if inv.provider:
            attributes[A.GEN_AI_PROVIDER_NAME] = inv.provider
            attributes[A.LLM_PROVIDER] = inv.provider
        if inv.request_model:
            attributes[A.GEN_AI_REQUEST_MODEL] = inv.request_model
            attributes[A.EMBEDDING_MODEL_NAME] = inv.request_model
        detail = detail or inv.request_model
    return spec.span_name(inv.name, detail), attributes


# -- start ------------------------------------------------------------------------------------------
_STATE_KEYS = {"input": (A.INPUT_VALUE, A.INPUT_MIME_TYPE, A.FLUXLOOP_INPUT_STATE), "output": (A.OUTPUT_VALUE, A.OUTPUT_MIME_TYPE, A.FLUXLOOP_OUTPUT_STATE)}


def _conversation_value(value: Any, read: Any, attributes: dict[str, Any], serializer: Serializer, field: str) -> None:
    """An agent's conversation state: the message that matters as text (what Phoenix and others show
    as the agent's input/output), the whole state beside it (what the FluxLoop record keeps)."""
    text = read(value)
    if text is None:
        return
    value_key, mime_key, state_key = _STATE_KEYS[field]
    attributes[value_key] = serializer.text(text if type(text) is str else str(text))
    attributes[mime_key] = A.MIME_TEXT
    attributes[state_key] = serializer.dumps(value, field)

def context_attributes(inv: Invocation, serializer: Serializer) -> dict[str, Any]:
    """Metadata, tags, session, user and level of a record (what any kind may carry)."""
    attributes: dict[str, Any] = {}
    if inv.metadata:
        attributes[A.METADATA] = serializer.dumps(inv.metadata, "metadata")
    if inv.tags:
        attributes[A.TAG_TAGS] = [str(tag) for tag in inv.tags]
    if inv.session_id:
        attributes[A.SESSION_ID] = inv.session_id
        attributes[A.GEN_AI_CONVERSATION_ID] = inv.session_id
    if inv.user_id:
        attributes[A.USER_ID] = inv.user_id
    if inv.level and inv.level != "info":
        attributes[A.FLUXLOOP_OBSERVATION_LEVEL] = inv.level
    return attributes


def start_attributes(
    inv: Invocation, static_attributes: Mapping[str, Any], serializer: Serializer, capture: bool, media: MediaPolicy | None = None
) -> dict[str, Any]:
    """Everything known when the work starts (``media``: what becomes of large images, audio, files)."""
    attributes = dict(static_attributes)
    capture = capture and inv.record_input
    if inv.metadata or inv.tags or inv.session_id or inv.user_id or inv.level:
        attributes.update(context_attributes(inv, serializer))
    if inv.attributes:
        attributes.update(inv.attributes)
    kind = type(inv)
    if kind is LLMInvocation:
        _llm_start(inv, attributes, serializer, capture, media)  # type: ignore[arg-type]
    elif kind is RetrievalInvocation:
        _retrieval_start(inv, attributes, serializer, capture)  # type: ignore[arg-type]
    elif kind is WorkflowInvocation and inv.external:  # type: ignore[attr-defined]
        attributes[A.FLUXLOOP_TRACE_EXTERNAL] = True
    if capture and kind is AgentInvocation and type(inv.input) is dict and "messages" in inv.input:
        _conversation_value(inv.input, M.last_user_text, attributes, serializer, "input")
    if capture and inv.input is not UNSET and A.INPUT_VALUE not in attributes:
        text, mime = encode_value(inv.input, serializer, "input")
        _put_value(attributes, A.INPUT_VALUE, A.INPUT_MIME_TYPE, text, mime)
        if kind is ToolCall:
            attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = text
    if kind is ToolCall and inv.call_id:  # type: ignore[attr-defined]
        attributes[A.GEN_AI_TOOL_CALL_ID] = inv.call_id  # type: ignore[attr-defined]
    return attributes


def _media(media: MediaPolicy | None, serializer: Serializer) -> MediaPolicy:
    return media if media is not None else MediaPolicy(serializer.max_chars)


def _llm_start(inv: LLMInvocation, attributes: dict[str, Any], serializer: Serializer, capture: bool, media: MediaPolicy | None) -> None:
    if inv.parameters:
        attributes.update(parameter_attributes(inv.parameters, serializer))
    if inv.stream:
        attributes[A.GEN_AI_REQUEST_STREAM] = True
    if not capture:
        return
    if inv.messages is not UNSET and inv.messages is not None:
        rendered = _media(media, serializer).apply(M.genai_messages(inv.messages))
        dumps: Callable[[Any, str], str] = serializer.dumps
        if serializer.redact_hook is None:  # the hook needs each field's own pass, with its field name
            converted = serializer.to_jsonable(rendered)  # masked and capped once, encoded per attribute
            if type(converted) is list:
                rendered = converted

                def dumps(jsonable: Any, field: str) -> str:
                    return serializer.encode(jsonable)
        system, messages = M.split_system(rendered)
        if system:
            attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS] = dumps(system, "input.system_instructions")
        text = dumps(messages, "input.messages")
        attributes[A.GEN_AI_INPUT_MESSAGES] = text
        if inv.input is UNSET:  # the messages are the input (system instructions included, as sent)
            attributes[A.INPUT_VALUE] = dumps(rendered, "input") if system else text
            attributes[A.INPUT_MIME_TYPE] = A.MIME_JSON
    if inv.tool_definitions:
        attributes.update(tool_definition_attributes(inv.tool_definitions, serializer))


def _retrieval_start(inv: RetrievalInvocation, attributes: dict[str, Any], serializer: Serializer, capture: bool) -> None:
    if capture and inv.query is not None:
        query = serializer.text(inv.query, "input")
        attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = query
        if inv.input is UNSET:
            attributes[A.INPUT_VALUE] = query


# -- end ----------------------------------------------------------------------------------------------
def failure_attributes(inv: Invocation) -> dict[str, Any]:
    """What a failed record still tells: stream progress and its end attributes."""
    attributes: dict[str, Any] = {}
    if inv.chunks is not None:
        attributes[A.FLUXLOOP_STREAM_CHUNKS] = inv.chunks
    if inv.time_to_first_chunk is not None:
        attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = inv.time_to_first_chunk
    if isinstance(inv, LLMInvocation) and (inv.stream or inv.time_to_first_chunk is not None):
        attributes[A.GEN_AI_REQUEST_STREAM] = True
    if inv.end_attributes:
        attributes.update(inv.end_attributes)
    return attributes


def end_attributes(inv: Invocation, serializer: Serializer, capture: bool, media: MediaPolicy | None = None) -> dict[str, Any]:
    """Everything known when the work ends (output, usage, documents...)."""
    attributes: dict[str, Any] = {}
    if inv.chunks is not None:
        attributes[A.FLUXLOOP_STREAM_CHUNKS] = inv.chunks
    if inv.time_to_first_chunk is not None:
        attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = inv.time_to_first_chunk
    late_input = capture and inv.record_input and inv.late_input is not UNSET and inv.late_input is not None
    capture = capture and inv.record_output
    kind = type(inv)
    if kind is LLMInvocation:
        _llm_end(inv, attributes, serializer, capture, media)  # type: ignore[arg-type]
    elif kind is RetrievalInvocation:
        _retrieval_end(inv, attributes, serializer, capture)  # type: ignore[arg-type]
    elif kind is EmbeddingInvocation:
        _embedding_end(inv, attributes, serializer, capture)  # type: ignore[arg-type]
    elif kind is ToolCall:
        _tool_end(inv, attributes, serializer, capture)  # type: ignore[arg-type]
    if capture and kind is AgentInvocation and type(inv.output) is dict and "messages" in inv.output:
        _conversation_value(inv.output, M.final_answer_text, attributes, serializer, "output")
    if capture and inv.output is not UNSET and inv.output is not None and A.OUTPUT_VALUE not in attributes:
        text, mime = encode_value(inv.output, serializer, "output")
        _put_value(attributes, A.OUTPUT_VALUE, A.OUTPUT_MIME_TYPE, text, mime)
    if late_input:
        text, mime = encode_value(inv.late_input, serializer, "input")
        _put_value(attributes, A.INPUT_VALUE, A.INPUT_MIME_TYPE, text, mime)
    if inv.end_attributes:
        attributes.update(inv.end_attributes)
    return attributes


def _tool_end(inv: ToolCall, attributes: dict[str, Any], serializer: Serializer, capture: bool) -> None:
    if inv.call_id:
        attributes[A.GEN_AI_TOOL_CALL_ID] = inv.call_id
    if capture and inv.output is not UNSET and inv.output is not None:
        text, mime = encode_value(inv.output, serializer, "output")
        attributes[A.GEN_AI_TOOL_CALL_RESULT] = text
        if inv.artifact is not UNSET:
            text, mime = serializer.dumps({"content": inv.output, "artifact": inv.artifact}, "output"), A.MIME_JSON
        _put_value(attributes, A.OUTPUT_VALUE, A.OUTPUT_MIME_TYPE, text, mime)


def _llm_end(inv: LLMInvocation, attributes: dict[str, Any], serializer: Serializer, capture: bool, media: MediaPolicy | None) -> None:
    response = inv.response
    outputs = inv.output_messages
    if outputs is None and response is not UNSET and response is not None and not isinstance(response, str):
        first = response
    else:
        first = outputs[0] if outputs else None
    usage = inv.usage
    if usage is None and inv.read_usage and first is not None:
        usage = inv.usage = extract_usage(first)  # kept on the record for cost and metrics
    if usage:
        attributes.update(usage_attributes(usage))
    model = inv.response_model or (extract_response_model(first) if first is not None else None)
    if model:
        attributes[A.GEN_AI_RESPONSE_MODEL] = model
        attributes[A.LLM_MODEL_NAME] = model  # what the API reported is what was billed
    response_id = inv.response_id or (M.response_id(first) if first is not None else None)
    if response_id:
        attributes[A.GEN_AI_RESPONSE_ID] = response_id
    per_output: list[str | None] = []
    if outputs:
        given = inv.finish_reasons
        per_output = list(given) if given and len(given) == len(outputs) else [M.finish_reason(m) for m in outputs]
        reasons = [reason for reason in per_output if reason] or None
    elif inv.finish_reasons:
        reasons = [reason for reason in inv.finish_reasons if reason] or None
    else:
        reason = M.finish_reason(response) if first is not None else None
        reasons = [reason] if reason else None
    if reasons:
        attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
    if inv.stream or inv.time_to_first_chunk is not None:
        attributes[A.GEN_AI_REQUEST_STREAM] = True
    if not capture:
        return
    if outputs:
        rendered = _media(media, serializer).apply([M.output_message(message, reason) for message, reason in zip(outputs, per_output)])
        text = serializer.dumps(rendered, "output.messages")
        attributes[A.GEN_AI_OUTPUT_MESSAGES] = text
        single = M.reply_text(outputs[0]) if len(outputs) == 1 and not M.tool_calls(outputs[0]) else None
        if inv.output is UNSET:
            if single:
                attributes[A.OUTPUT_VALUE] = serializer.text(str.__str__(single), "output")
            else:
                attributes[A.OUTPUT_VALUE] = text
                attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
        return
    if response is UNSET or response is None:
        return
    text_reply = M.reply_text(response)
    if text_reply is not None:
        message = {"role": "assistant", "parts": [{"type": "text", "content": text_reply}], "finish_reason": (reasons or ["stop"])[0]}
        attributes[A.GEN_AI_OUTPUT_MESSAGES] = serializer.dumps([message], "output.messages")
    if inv.output is UNSET:
        text, mime = encode_value(response, serializer, "output")
        _put_value(attributes, A.OUTPUT_VALUE, A.OUTPUT_MIME_TYPE, text, mime)


def usage_from_attributes(attributes: Mapping[str, Any] | None) -> TokenUsage | None:
    """The inverse of :func:`usage_attributes` (usage set on a span by ``set_usage()``)."""
    if not attributes:
        return None
    usage = TokenUsage(
        attributes.get(A.GEN_AI_USAGE_INPUT_TOKENS),
        attributes.get(A.GEN_AI_USAGE_OUTPUT_TOKENS),
        attributes.get(A.LLM_TOKEN_COUNT_TOTAL),
        attributes.get(A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        attributes.get(A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
        attributes.get(A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    )
    return usage or None


def cost_attributes(
    pricing: Pricing, inv: LLMInvocation, end: Mapping[str, Any], span_attributes: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """OpenInference ``llm.cost.prompt``/``completion``/``total`` (USD) of a generation, when its model is priced.

    The model is the one the response named (what was billed), else the requested one; the
    usage is the record's, else what ``set_usage()`` put on the span.
    """
    usage = inv.usage or usage_from_attributes(span_attributes)
    if not usage:
        return {}
    attributes = span_attributes or inv.attributes
    model = (
        end.get(A.GEN_AI_RESPONSE_MODEL)
        or inv.request_model
        or (attributes.get(A.GEN_AI_REQUEST_MODEL) if attributes else None)
    )
    provider = inv.provider or (attributes.get(A.GEN_AI_PROVIDER_NAME) if attributes else None)
    cost = pricing.cost(model, provider, usage)
    if cost is None and model != inv.request_model and inv.request_model:
        cost = pricing.cost(inv.request_model, provider, usage)
    if cost is None:
        return {}
    return {A.LLM_COST_PROMPT: cost.prompt, A.LLM_COST_COMPLETION: cost.completion, A.LLM_COST_TOTAL: cost.total}


def _retrieval_end(inv: RetrievalInvocation, attributes: dict[str, Any], serializer: Serializer, capture: bool) -> None:
    items = inv.documents
    if items is UNSET:
        items = D.documents_of(inv.output) if inv.output is not UNSET else None
    if not isinstance(items, (list, tuple)):
        return
    attributes.update(document_attributes(items, serializer, capture))
    if capture and inv.output is UNSET:
        attributes[A.OUTPUT_VALUE] = attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS]
        attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON


#: Per document index: the id, score, content and metadata attribute names.
_DOCUMENT_KEYS = [
    tuple(f"{A.RETRIEVAL_DOCUMENTS}.{i}.{name}" for name in (A.DOCUMENT_ID, A.DOCUMENT_SCORE, A.DOCUMENT_CONTENT, A.DOCUMENT_METADATA))
    for i in range(D.MAX_DOCUMENTS)
]


def document_attributes(items: Any, serializer: Serializer, capture: bool) -> dict[str, Any]:
    """OpenInference ``retrieval.documents.{i}.document.*`` and the ``gen_ai.retrieval.documents`` summary.

    Ids and scores are kept with content capture off; content and metadata are not. Each
    content string and metadata dict is masked, capped and redacted once.
    """
    attributes: dict[str, Any] = {}
    summary: list[dict[str, Any]] = []
    for index, item in enumerate(items[: D.MAX_DOCUMENTS]):
        id_key, score_key, content_key, metadata_key = _DOCUMENT_KEYS[index]
        doc_id, content, score, metadata = D.read_document(item)
        entry: dict[str, Any] = {}
        if doc_id is not None:
            attributes[id_key] = entry["id"] = doc_id
        if score is not None:
            attributes[score_key] = entry["score"] = score
        if capture and content is not None:
            attributes[content_key] = entry["content"] = serializer.text(content, f"output.documents.{index}.content")
        if capture and metadata is not None:
            entry["metadata"] = serializer.to_jsonable(metadata, f"output.documents.{index}.metadata")
            attributes[metadata_key] = serializer.encode(entry["metadata"])
        summary.append(entry)
    if summary:
        attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS] = serializer.encode(summary)
    return attributes


def embedding_summary(result: Any) -> tuple[int, int] | None:
    """``(vector count, dimensions)`` of an embedding result: one vector or a list of them."""
    if isinstance(result, (list, tuple)) and result:
        first = result[0]
        if isinstance(first, (int, float)):
            return 1, len(result)
        if isinstance(first, (list, tuple)):
            return len(result), len(first)
    return None


def _embedding_end(inv: EmbeddingInvocation, attributes: dict[str, Any], serializer: Serializer, capture: bool) -> None:
    summary = inv.vectors or (embedding_summary(inv.output) if inv.output is not UNSET else None)
    if summary is not None:
        attributes[A.FLUXLOOP_EMBEDDING_COUNT] = summary[0]
        attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = summary[1]
        if capture and inv.output is not UNSET:  # vectors are not content worth keeping
            attributes[A.OUTPUT_VALUE] = serializer.dumps({"embeddings": summary[0], "dimensions": summary[1]}, "output")
            attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
