"""The GenAI telemetry layer: typed invocation records and the one emitter that turns them into spans.

Entry points fill records (:mod:`.records`) and call :class:`Telemetry`; message, document,
usage and tool-call reading live in :mod:`.messages`, :mod:`.documents` and :mod:`.usage`,
the attribute mapping in :mod:`.attributes`.
"""

from fluxloop_otel.telemetry.emitter import TRACER_NAME, Telemetry, attach, detach
from fluxloop_otel.telemetry.policy import ContentMode, ContentPolicy
from fluxloop_otel.telemetry.records import (
    RECORD_TYPES,
    UNSET,
    AgentInvocation,
    EmbeddingInvocation,
    EvaluationInvocation,
    EventRecord,
    Invocation,
    LLMInvocation,
    RetrievalInvocation,
    SpanInvocation,
    StepInvocation,
    ToolCall,
    WorkflowInvocation,
)
from fluxloop_otel.telemetry.usage import TokenUsage

__all__ = [
    "AgentInvocation",
    "ContentMode",
    "ContentPolicy",
    "EmbeddingInvocation",
    "EvaluationInvocation",
    "EventRecord",
    "Invocation",
    "LLMInvocation",
    "RECORD_TYPES",
    "RetrievalInvocation",
    "SpanInvocation",
    "StepInvocation",
    "TRACER_NAME",
    "Telemetry",
    "TokenUsage",
    "ToolCall",
    "UNSET",
    "WorkflowInvocation",
    "attach",
    "detach",
]
