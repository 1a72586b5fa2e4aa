"""Attribute names, taken from the semantic-convention packages wherever they define one.

GenAI names come from ``opentelemetry-semantic-conventions`` (incubating GenAI attributes),
OpenInference names from ``openinference-semantic-conventions``. Only the FluxLoop marker
attributes, which no convention defines, are spelled here.
"""

from __future__ import annotations

from openinference.semconv.trace import (
    DocumentAttributes,
    OpenInferenceMimeTypeValues,
    OpenInferenceSpanKindValues,
    SpanAttributes,
    ToolAttributes,
)
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as _gen_ai
from opentelemetry.semconv.attributes import error_attributes as _error

# --- OpenTelemetry GenAI ---------------------------------------------------------------
GEN_AI_OPERATION_NAME = _gen_ai.GEN_AI_OPERATION_NAME
GEN_AI_PROVIDER_NAME = _gen_ai.GEN_AI_PROVIDER_NAME
GEN_AI_AGENT_NAME = _gen_ai.GEN_AI_AGENT_NAME
GEN_AI_AGENT_ID = _gen_ai.GEN_AI_AGENT_ID
GEN_AI_AGENT_DESCRIPTION = _gen_ai.GEN_AI_AGENT_DESCRIPTION
GEN_AI_CONVERSATION_ID = _gen_ai.GEN_AI_CONVERSATION_ID
GEN_AI_WORKFLOW_NAME = _gen_ai.GEN_AI_WORKFLOW_NAME
GEN_AI_TOOL_NAME = _gen_ai.GEN_AI_TOOL_NAME
GEN_AI_TOOL_DESCRIPTION = _gen_ai.GEN_AI_TOOL_DESCRIPTION
GEN_AI_TOOL_TYPE = _gen_ai.GEN_AI_TOOL_TYPE
GEN_AI_TOOL_CALL_ID = _gen_ai.GEN_AI_TOOL_CALL_ID
GEN_AI_TOOL_CALL_ARGUMENTS = _gen_ai.GEN_AI_TOOL_CALL_ARGUMENTS
GEN_AI_TOOL_CALL_RESULT = _gen_ai.GEN_AI_TOOL_CALL_RESULT
GEN_AI_TOOL_DEFINITIONS = _gen_ai.GEN_AI_TOOL_DEFINITIONS
GEN_AI_REQUEST_MODEL = _gen_ai.GEN_AI_REQUEST_MODEL
GEN_AI_RESPONSE_MODEL = _gen_ai.GEN_AI_RESPONSE_MODEL
GEN_AI_RESPONSE_ID = _gen_ai.GEN_AI_RESPONSE_ID
GEN_AI_RESPONSE_FINISH_REASONS = _gen_ai.GEN_AI_RESPONSE_FINISH_REASONS
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = _gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK
GEN_AI_REQUEST_TEMPERATURE = _gen_ai.GEN_AI_REQUEST_TEMPERATURE
GEN_AI_REQUEST_MAX_TOKENS = _gen_ai.GEN_AI_REQUEST_MAX_TOKENS
GEN_AI_REQUEST_TOP_P = _gen_ai.GEN_AI_REQUEST_TOP_P
GEN_AI_REQUEST_TOP_K = _gen_ai.GEN_AI_REQUEST_TOP_K
GEN_AI_REQUEST_FREQUENCY_PENALTY = _gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY
GEN_AI_REQUEST_PRESENCE_PENALTY = _gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY
GEN_AI_REQUEST_STOP_SEQUENCES = _gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES
GEN_AI_REQUEST_SEED = _gen_ai.GEN_AI_REQUEST_SEED
GEN_AI_REQUEST_STREAM = _gen_ai.GEN_AI_REQUEST_STREAM
GEN_AI_INPUT_MESSAGES = _gen_ai.GEN_AI_INPUT_MESSAGES
GEN_AI_OUTPUT_MESSAGES = _gen_ai.GEN_AI_OUTPUT_MESSAGES
GEN_AI_USAGE_INPUT_TOKENS = _gen_ai.GEN_AI_USAGE_INPUT_TOKENS
GEN_AI_USAGE_OUTPUT_TOKENS = _gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS
GEN_AI_RETRIEVAL_QUERY_TEXT = _gen_ai.GEN_AI_RETRIEVAL_QUERY_TEXT
GEN_AI_RETRIEVAL_DOCUMENTS = _gen_ai.GEN_AI_RETRIEVAL_DOCUMENTS
GEN_AI_DATA_SOURCE_ID = _gen_ai.GEN_AI_DATA_SOURCE_ID
GEN_AI_EMBEDDINGS_DIMENSION_COUNT = _gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT

OPERATION = _gen_ai.GenAiOperationNameValues

#: Request parameters (argument or invocation-parameter name -> GenAI attribute).
REQUEST_PARAMETERS: dict[str, str] = {
    "temperature": GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": GEN_AI_REQUEST_MAX_TOKENS,
    "max_output_tokens": GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": GEN_AI_REQUEST_TOP_P,
    "top_k": GEN_AI_REQUEST_TOP_K,
    "frequency_penalty": GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": GEN_AI_REQUEST_PRESENCE_PENALTY,
    "stop": GEN_AI_REQUEST_STOP_SEQUENCES,
    "stop_sequences": GEN_AI_REQUEST_STOP_SEQUENCES,
    "seed": GEN_AI_REQUEST_SEED,
}

# --- OpenInference ---------------------------------------------------------------------
OPENINFERENCE_SPAN_KIND = SpanAttributes.OPENINFERENCE_SPAN_KIND
INPUT_VALUE = SpanAttributes.INPUT_VALUE
INPUT_MIME_TYPE = SpanAttributes.INPUT_MIME_TYPE
OUTPUT_VALUE = SpanAttributes.OUTPUT_VALUE
OUTPUT_MIME_TYPE = SpanAttributes.OUTPUT_MIME_TYPE
SESSION_ID = SpanAttributes.SESSION_ID
USER_ID = SpanAttributes.USER_ID
TAG_TAGS = SpanAttributes.TAG_TAGS
METADATA = SpanAttributes.METADATA
AGENT_NAME = SpanAttributes.AGENT_NAME
TOOL_NAME = SpanAttributes.TOOL_NAME
TOOL_DESCRIPTION = SpanAttributes.TOOL_DESCRIPTION
TOOL_PARAMETERS = SpanAttributes.TOOL_PARAMETERS
LLM_MODEL_NAME = SpanAttributes.LLM_MODEL_NAME
LLM_PROVIDER = SpanAttributes.LLM_PROVIDER
LLM_INVOCATION_PARAMETERS = SpanAttributes.LLM_INVOCATION_PARAMETERS
LLM_TOKEN_COUNT_PROMPT = SpanAttributes.LLM_TOKEN_COUNT_PROMPT
LLM_TOKEN_COUNT_COMPLETION = SpanAttributes.LLM_TOKEN_COUNT_COMPLETION
LLM_TOKEN_COUNT_TOTAL = SpanAttributes.LLM_TOKEN_COUNT_TOTAL
EMBEDDING_MODEL_NAME = SpanAttributes.EMBEDDING_MODEL_NAME
RETRIEVAL_DOCUMENTS = SpanAttributes.RETRIEVAL_DOCUMENTS
DOCUMENT_ID = DocumentAttributes.DOCUMENT_ID
DOCUMENT_CONTENT = DocumentAttributes.DOCUMENT_CONTENT
DOCUMENT_SCORE = DocumentAttributes.DOCUMENT_SCORE
DOCUMENT_METADATA = DocumentAttributes.DOCUMENT_METADATA

SPAN_KIND = OpenInferenceSpanKindValues
MIME_JSON = OpenInferenceMimeTypeValues.JSON.value
MIME_TEXT = OpenInferenceMimeTypeValues.TEXT.value

# --- Errors ------------------------------------------------------------------------------
ERROR_TYPE = _error.ERROR_TYPE

# --- FluxLoop markers (no convention defines these) --------------------------------------
#: FluxLoop observation type of a span ("agent", "tool", "generation", ...).
FLUXLOOP_OBSERVATION_TYPE = "fluxloop.observation.type"
#: FluxLoop observation name (the decorator's ``name=`` or the function name).
FLUXLOOP_OBSERVATION_NAME = "fluxloop.observation.name"
#: FluxLoop observation level (``debug``/``info``/``warning``/``error``) when not ``info``.
FLUXLOOP_OBSERVATION_LEVEL = "fluxloop.observation.level"
#: On the root span of an ``instrument()`` block: the FluxLoop trace UUID. Search by it in Jaeger.
FLUXLOOP_TRACE_ID = "fluxloop.trace.id"
#: On a root span whose FluxLoop trace line is written by someone else (the FluxLoop SDK).
FLUXLOOP_TRACE_EXTERNAL = "fluxloop.trace.external"
#: Number of chunks a streamed call produced.
FLUXLOOP_STREAM_CHUNKS = "fluxloop.stream.chunks"
#: Why a streamed call ended before exhaustion ("closed", "garbage_collected").
FLUXLOOP_STREAM_END_REASON = "fluxloop.stream.end_reason"
#: Number of vectors an embedding call returned (no convention has it; kept with content off).
FLUXLOOP_EMBEDDING_COUNT = "fluxloop.embedding.count"
#: Set to True on spans whose content could not be serialized or redacted.
FLUXLOOP_CONTENT_DROPPED = "fluxloop.content.dropped"
#: Set to True on spans sent to an OTLP backend without their content (``otlp_capture_content=False``).
FLUXLOOP_CONTENT_WITHHELD = "fluxloop.content.withheld"

# --- LangGraph (no convention defines these) ---------------------------------------------
#: Name of the LangGraph node a ``chain`` span runs.
LANGGRAPH_NODE = "langgraph.node"
#: Superstep of the LangGraph run in which the node ran.
LANGGRAPH_STEP = "langgraph.step"
#: Set to True on spans that ended with a LangGraph interrupt (human in the loop), not an error.
LANGGRAPH_INTERRUPTED = "langgraph.interrupted"
#: What an interrupted run waits for: the ``interrupt(value)`` value (content), a list if several.
LANGGRAPH_INTERRUPT_VALUE = "langgraph.interrupt.value"
#: The node(s) that called ``interrupt()`` (a string, or a list if several).
LANGGRAPH_INTERRUPT_NODE = "langgraph.interrupt.node"
#: LangGraph's id(s) of the pending interrupt(s) (what ``Command(resume={id: ...})`` answers).
LANGGRAPH_INTERRUPT_ID = "langgraph.interrupt.id"
#: Loop status when the graph paused or resumed (``pending``, ``interrupt_before``, ...).
LANGGRAPH_STATUS = "langgraph.status"
#: The checkpoint a graph paused at (interrupted run) or resumed from (resumed run).
LANGGRAPH_CHECKPOINT_ID = "langgraph.checkpoint.id"
#: Set to True on the root of a run that resumed a paused graph (it links to the paused root).
LANGGRAPH_RESUMED = "langgraph.resumed"
#: Where a ``Command(goto=...)``/``Send`` sends execution: a node name or a list of names.
LANGGRAPH_COMMAND_GOTO = "langgraph.command.goto"
#: Set to True when the command goes to the parent graph (``Command.PARENT``: a handoff).
LANGGRAPH_COMMAND_PARENT = "langgraph.command.parent"
#: A compiled graph's nodes and edges, compact JSON ``{"nodes": [...], "edges": [...]}``.
LANGGRAPH_GRAPH = "langgraph.graph"
#: LangChain ``create_agent`` middleware whose hook a step runs, and the hook (``before_model``...).
LANGCHAIN_MIDDLEWARE_NAME = "langchain.middleware.name"
LANGCHAIN_MIDDLEWARE_HOOK = "langchain.middleware.hook"
#: OpenInference tool definitions: ``llm.tools.{i}.tool.json_schema``.
LLM_TOOLS = SpanAttributes.LLM_TOOLS
TOOL_JSON_SCHEMA = ToolAttributes.TOOL_JSON_SCHEMA

#: Attributes that carry user content (prompts, messages, arguments, results, documents).
CONTENT_ATTRIBUTES: frozenset[str] = frozenset(
    {
        INPUT_VALUE,
        OUTPUT_VALUE,
        GEN_AI_INPUT_MESSAGES,
        GEN_AI_OUTPUT_MESSAGES,
        GEN_AI_TOOL_CALL_ARGUMENTS,
        GEN_AI_TOOL_CALL_RESULT,
        GEN_AI_RETRIEVAL_QUERY_TEXT,
        GEN_AI_RETRIEVAL_DOCUMENTS,
        GEN_AI_TOOL_DEFINITIONS,
        LANGGRAPH_INTERRUPT_VALUE,
        _gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS,
        _gen_ai.GEN_AI_PROMPT,
        _gen_ai.GEN_AI_COMPLETION,
        SpanAttributes.LLM_PROMPTS,
        SpanAttributes.LLM_PROMPT_TEMPLATE_VARIABLES,
    }
)
#: Prefixes of attributes that carry user content (flattened OpenInference lists).
CONTENT_ATTRIBUTE_PREFIXES: tuple[str, ...] = (
    RETRIEVAL_DOCUMENTS + ".",
    SpanAttributes.LLM_INPUT_MESSAGES + ".",
    SpanAttributes.LLM_OUTPUT_MESSAGES + ".",
    SpanAttributes.LLM_PROMPTS + ".",
    SpanAttributes.EMBEDDING_EMBEDDINGS + ".",
    SpanAttributes.LLM_TOOLS + ".",
)


def is_content_attribute(key: str) -> bool:
    """Whether ``key`` names an attribute that carries user content."""
    return key in CONTENT_ATTRIBUTES or key.startswith(CONTENT_ATTRIBUTE_PREFIXES)

# --- Schema ------------------------------------------------------------------------------------
#: Semantic-convention schema of fluxloop-otel's tracers (the GenAI names above follow it).
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
