"""The FluxLoop observation types and what each one becomes on a span.

One table drives every producer (decorators, ``instrument()``, LangChain, converters):
the GenAI operation, the OpenInference span kind, how the span is named and which
attributes carry the observation's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from fluxloop_otel.semconv import attributes as A


class ObservationType(str, Enum):
    """FluxLoop observation types (the lowercase strings the FluxLoop CLI reads)."""

    SPAN = "span"
    EVENT = "event"
    GENERATION = "generation"
    TOOL = "tool"
    AGENT = "agent"
    CHAIN = "chain"
    EVALUATION = "evaluation"
    RETRIEVAL = "retrieval"
    EMBEDDING = "embedding"

    @classmethod
    def coerce(cls, value: "ObservationType | str") -> "ObservationType":
        """Accept an enum member or its value (any case); raise ValueError listing valid types."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            valid = ", ".join(t.value for t in cls)
            raise ValueError(f"Invalid observation_type {value!r}. Expected one of: {valid}") from None


@dataclass(frozen=True)
class TypeSpec:
    """How one observation type maps onto span attributes."""

    type: ObservationType
    span_kind: str
    operation: str | None
    #: Build the span name from the observation name and an optional detail (model, data source).
    span_name: Callable[[str, str | None], str]
    #: Attributes that repeat the observation name (``gen_ai.agent.name``, ``tool.name``...).
    name_attributes: tuple[str, ...] = ()

    def static_attributes(self, name: str) -> dict[str, str]:
        """Attributes known when the decorator is applied (no per-call work)."""
        attributes = {
            A.FLUXLOOP_OBSERVATION_TYPE: self.type.value,
            A.FLUXLOOP_OBSERVATION_NAME: name,
            A.OPENINFERENCE_SPAN_KIND: self.span_kind,
        }
        if self.operation:
            attributes[A.GEN_AI_OPERATION_NAME] = self.operation
        for key in self.name_attributes:
            attributes[key] = name
        return attributes


def _operation_name(operation: str) -> Callable[[str, str | None], str]:
    def name(observation_name: str, detail: str | None) -> str:
        return f"{operation} {detail or observation_name}"

    return name


def _plain_name(observation_name: str, detail: str | None) -> str:
    return observation_name


_K = A.SPAN_KIND
_OP = A.OPERATION

_SPECS: dict[ObservationType, TypeSpec] = {
    spec.type: spec
    for spec in (
        TypeSpec(
            ObservationType.AGENT,
            _K.AGENT.value,
            _OP.INVOKE_AGENT.value,
            _operation_name(_OP.INVOKE_AGENT.value),
            (A.GEN_AI_AGENT_NAME,),
        ),
        TypeSpec(
            ObservationType.TOOL,
            _K.TOOL.value,
            _OP.EXECUTE_TOOL.value,
            _operation_name(_OP.EXECUTE_TOOL.value),
            (A.GEN_AI_TOOL_NAME, A.TOOL_NAME),
        ),
        TypeSpec(
            ObservationType.GENERATION,
            _K.LLM.value,
            _OP.CHAT.value,
            _operation_name(_OP.CHAT.value),
        ),
        TypeSpec(
            ObservationType.RETRIEVAL,
            _K.RETRIEVER.value,
            _OP.RETRIEVAL.value,
            _operation_name(_OP.RETRIEVAL.value),
        ),
        TypeSpec(
            ObservationType.EMBEDDING,
            _K.EMBEDDING.value,
            _OP.EMBEDDINGS.value,
            _operation_name(_OP.EMBEDDINGS.value),
        ),
        TypeSpec(ObservationType.CHAIN, _K.CHAIN.value, None, _plain_name),
        TypeSpec(ObservationType.SPAN, _K.CHAIN.value, None, _plain_name),
        TypeSpec(ObservationType.EVENT, _K.CHAIN.value, None, _plain_name),
        TypeSpec(ObservationType.EVALUATION, _K.EVALUATOR.value, None, _plain_name),
    )
}


def spec_for(observation_type: ObservationType | str) -> TypeSpec:
    """The mapping for one observation type."""
    return _SPECS[ObservationType.coerce(observation_type)]


def workflow_span_name(name: str) -> str:
    """Span name of an ``instrument()`` root (``invoke_workflow {name}``)."""
    return f"{_OP.INVOKE_WORKFLOW.value} {name}"


WORKFLOW_OPERATION = _OP.INVOKE_WORKFLOW.value
