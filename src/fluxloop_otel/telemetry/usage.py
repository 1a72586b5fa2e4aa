"""Reading token usage and model names out of return values (OpenAI, LangChain, dicts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fluxloop_otel.telemetry.access import get as field

_INPUT_NAMES = ("input_tokens", "prompt_tokens")
_OUTPUT_NAMES = ("output_tokens", "completion_tokens")
_TOTAL_NAMES = ("total_tokens",)


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one generation; ``total`` defaults to input + output."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None

    @property
    def total(self) -> int | None:
        if self.total_tokens is not None:
            return self.total_tokens
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.input_tokens, self.output_tokens, self.total_tokens))


def _first_int(source: Any, names: tuple[str, ...]) -> int | None:
    for name in names:
        value = field(source, name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return None


def usage_from_counts(source: Any) -> TokenUsage | None:
    """A usage object or mapping with prompt/completion or input/output token names."""
    if source is None or isinstance(source, (str, bytes, int, float)):
        return None
    usage = TokenUsage(
        _first_int(source, _INPUT_NAMES), _first_int(source, _OUTPUT_NAMES), _first_int(source, _TOTAL_NAMES)
    )
    return usage or None


def extract_usage(result: Any) -> TokenUsage | None:
    """Token usage carried by a generation's return value, if any.

    Looks at ``result["usage"]`` / ``result.usage`` (OpenAI style, dict or object),
    ``result.usage_metadata`` (LangChain ``AIMessage``) and ``response_metadata.token_usage``.
    """
    if result is None or isinstance(result, (str, bytes, int, float, bool, list, tuple)):
        return None
    for key in ("usage", "usage_metadata"):
        usage = usage_from_counts(field(result, key))
        if usage:
            return usage
    metadata = field(result, "response_metadata")
    if metadata is not None:
        return usage_from_counts(field(metadata, "token_usage")) or usage_from_counts(field(metadata, "usage"))
    return None


def extract_response_model(result: Any) -> str | None:
    """The model named by a response (``model`` or ``response_metadata.model_name``)."""
    if result is None or isinstance(result, (str, bytes, int, float, bool, list, tuple)):
        return None
    model = field(result, "model")
    if isinstance(model, str) and model:
        return model
    metadata = field(result, "response_metadata")
    if metadata is not None:
        for key in ("model_name", "model"):
            model = field(metadata, key)
            if isinstance(model, str) and model:
                return model
    return None
