"""Reading token usage and model names out of return values (OpenAI, Anthropic, LangChain, dicts).

One reading for every usage shape an entry point meets:

* LangChain ``usage_metadata``: ``input_tokens``/``output_tokens``/``total_tokens`` with
  ``input_token_details`` (``cache_read``, ``cache_creation``) and ``output_token_details``
  (``reasoning``);
* OpenAI chat completions: ``prompt_tokens``/``completion_tokens`` with
  ``prompt_tokens_details.cached_tokens`` and ``completion_tokens_details.reasoning_tokens``
  (the Responses API spells them ``input_tokens_details``/``output_tokens_details``);
* Anthropic: ``input_tokens`` *excluding* cached tokens, beside ``cache_read_input_tokens``
  and ``cache_creation_input_tokens``.

:class:`TokenUsage` follows the GenAI convention: ``input_tokens`` includes cached tokens
(Anthropic counts are added up), ``output_tokens`` includes reasoning tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fluxloop_otel.telemetry.access import get as field

_INPUT_NAMES = ("input_tokens", "prompt_tokens")
_OUTPUT_NAMES = ("output_tokens", "completion_tokens")
_TOTAL_NAMES = ("total_tokens",)
_INPUT_DETAILS = ("input_token_details", "prompt_tokens_details", "input_tokens_details")
_OUTPUT_DETAILS = ("output_token_details", "completion_tokens_details", "output_tokens_details")
_CACHE_READ_NAMES = ("cache_read", "cached_tokens", "cache_read_input_tokens")
_CACHE_CREATION_NAMES = ("cache_creation", "cache_write", "cache_creation_input_tokens")
_REASONING_NAMES = ("reasoning", "reasoning_tokens")


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one generation; ``total`` defaults to input + output.

    ``input_tokens`` includes the cached ones (``cache_read_input_tokens`` read from the
    cache, ``cache_creation_input_tokens`` written to it); ``output_tokens`` includes
    ``reasoning_output_tokens``.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    reasoning_output_tokens: int | None = None

    @property
    def total(self) -> int | None:
        if self.total_tokens is not None:
            return self.total_tokens
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def has_details(self) -> bool:
        return (
            self.cache_read_input_tokens is not None
            or self.cache_creation_input_tokens is not None
            or self.reasoning_output_tokens is not None
        )

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.input_tokens, self.output_tokens, self.total_tokens))


def token_count(value: Any) -> int | None:
    """``value`` as a token count: an int, or a float holding one (never a bool); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _first_int(source: Any, names: tuple[str, ...]) -> int | None:
    for name in names:
        value = token_count(field(source, name))
        if value is not None:
            return value
    return None


def _detail(source: Any, containers: tuple[str, ...], names: tuple[str, ...]) -> int | None:
    for container in containers:
        details = field(source, container)
        if details is not None and not isinstance(details, (str, int, float)):
            value = _first_int(details, names)
            if value is not None:
                return value
    return None


def usage_from_counts(source: Any) -> TokenUsage | None:
    """A usage object or mapping with prompt/completion or input/output token names (and details)."""
    if source is None or isinstance(source, (str, bytes, int, float)):
        return None
    input_tokens = _first_int(source, _INPUT_NAMES)
    output_tokens = _first_int(source, _OUTPUT_NAMES)
    total = _first_int(source, _TOTAL_NAMES)
    cache_read = _detail(source, _INPUT_DETAILS, _CACHE_READ_NAMES)
    cache_creation = _detail(source, _INPUT_DETAILS, _CACHE_CREATION_NAMES)
    reasoning = _detail(source, _OUTPUT_DETAILS, _REASONING_NAMES)
    # Anthropic: cache counts beside input_tokens, which leaves them out.
    anthropic_read = token_count(field(source, "cache_read_input_tokens"))
    anthropic_creation = token_count(field(source, "cache_creation_input_tokens"))
    if (anthropic_read is not None or anthropic_creation is not None) and _first_int(source, ("prompt_tokens",)) is None:
        if cache_read is None and cache_creation is None and input_tokens is not None:
            input_tokens += (anthropic_read or 0) + (anthropic_creation or 0)
        cache_read = cache_read if cache_read is not None else anthropic_read
        cache_creation = cache_creation if cache_creation is not None else anthropic_creation
    usage = TokenUsage(input_tokens, output_tokens, total, cache_read, cache_creation, reasoning)
    return usage or None


def extract_usage(result: Any) -> TokenUsage | None:
    """Token usage carried by a generation's return value, if any.

    Looks at ``result["usage"]`` / ``result.usage`` (OpenAI and Anthropic style, dict or object),
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
