"""What a generation cost: a price table (a user file, or the ``genai-prices`` package) and token usage in, USD out.

Pure: no I/O after loading, no global state. The emitter asks :meth:`Pricing.cost` once per
generation it stops, when a price table is configured (``configure(price_table=...)``,
``FLUXLOOP_PRICE_TABLE``, ``instrument(price_table=...)``); nothing is priced otherwise.

A price table file is JSON or YAML, prices in USD per million tokens::

    {"models": {
        "gpt-4o":            {"input": 2.5, "output": 10.0, "cache_read": 1.25},
        "anthropic/claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75},
        "o3-mini":           {"input": 1.1, "output": 4.4, "cache_read": 0.55}
    }}

Cached and reasoning tokens are priced as providers price them: ``input_tokens`` includes the
cached ones (see :class:`~fluxloop_otel.telemetry.usage.TokenUsage`), so the uncached part is
priced at ``input``, cache reads at ``cache_read`` and cache writes at ``cache_write`` (both
default to ``input``); reasoning tokens are output tokens, at ``reasoning`` if the table has
one, else ``output``. A model is found by its exact name (with or without a ``provider/``
prefix, case-insensitive), or by that name without a date or ``-latest`` suffix
(``gpt-4o-2024-08-06`` -> ``gpt-4o``), never by a looser match: an unknown model gets no
cost, never a wrong one.

``"genai-prices"`` as (or after) a table uses the maintained ``genai-prices`` package
(pydantic, MIT) for models the table does not list, when it is installed
(``pip install fluxloop-otel[pricing]``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence

from fluxloop_otel.telemetry.usage import TokenUsage

GENAI_PRICES = "genai-prices"
_PER_MILLION = 1_000_000.0
_DATED = re.compile(r"(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|latest))$")


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens; cache and reasoning prices default to the input/output ones."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None

    @classmethod
    def of(cls, entry: Any) -> "ModelPrice":
        if isinstance(entry, ModelPrice):
            return entry
        if not isinstance(entry, Mapping):
            raise ValueError(f"a model price must be a mapping, got {type(entry).__name__}")
        unknown = set(entry) - {"input", "output", "cache_read", "cache_write", "reasoning"}
        if unknown:
            raise ValueError(f"unknown price keys {sorted(unknown)} (input, output, cache_read, cache_write, reasoning)")
        values = {key: _price(key, value) for key, value in entry.items() if value is not None}
        if "input" not in values or "output" not in values:
            raise ValueError("a model price needs 'input' and 'output' (USD per million tokens)")
        return cls(**values)


def _price(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"price {key!r} must be a non-negative number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Cost:
    """The cost of one generation, in USD."""

    prompt: float
    completion: float

    @property
    def total(self) -> float:
        return self.prompt + self.completion


def cost_of(price: ModelPrice, usage: TokenUsage) -> Cost | None:
    """``usage`` priced at ``price`` (None when the usage has no token counts)."""
    if usage.input_tokens is None and usage.output_tokens is None:
        return None
    cache_read = usage.cache_read_input_tokens or 0
    cache_write = usage.cache_creation_input_tokens or 0
    uncached = max(0, (usage.input_tokens or 0) - cache_read - cache_write)
    prompt = (
        uncached * price.input
        + cache_read * (price.input if price.cache_read is None else price.cache_read)
        + cache_write * (price.input if price.cache_write is None else price.cache_write)
    )
    reasoning = min(usage.reasoning_output_tokens or 0, usage.output_tokens or 0)
    completion = ((usage.output_tokens or 0) - reasoning) * price.output + reasoning * (
        price.output if price.reasoning is None else price.reasoning
    )
    return Cost(prompt / _PER_MILLION, completion / _PER_MILLION)


def _candidates(model: str, provider: str | None) -> list[str]:
    names = [model]
    if "/" in model:  # "openai/gpt-4o", "models/gemini-2.0-flash"
        names.append(model.rsplit("/", 1)[1])
    undated = [_DATED.sub("", name) for name in names]
    names += [name for name in undated if name and name not in names]
    keys: list[str] = []
    for name in names:
        lowered = name.lower()
        if provider:
            keys.append(f"{provider.lower()}/{lowered}")
        keys.append(lowered)
    return keys


class PriceSource(Protocol):
    def cost(self, model: str, provider: str | None, usage: TokenUsage) -> Cost | None: ...


class PriceTable:
    """Model prices from a mapping (model name, or ``provider/model``, -> :class:`ModelPrice` or its dict)."""

    def __init__(self, models: Mapping[str, Any]) -> None:
        self._prices = {str(name).lower(): ModelPrice.of(entry) for name, entry in models.items()}
        self._found: dict[tuple[str, str | None], ModelPrice | None] = {}

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "PriceTable":
        """A table from a JSON or YAML file: ``{"models": {...}}`` or the models mapping itself."""
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if str(path).endswith((".yaml", ".yml")):
            import yaml  # type: ignore[import-untyped, unused-ignore]

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
        if isinstance(data, Mapping) and isinstance(data.get("models"), Mapping):
            data = data["models"]
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: a price table is a mapping of model names to prices")
        return cls(data)

    def __len__(self) -> int:
        return len(self._prices)

    def price(self, model: str, provider: str | None = None) -> ModelPrice | None:
        key = (model, provider)
        if key in self._found:
            return self._found[key]
        found = None
        for candidate in _candidates(model, provider):
            found = self._prices.get(candidate)
            if found is not None:
                break
        if len(self._found) < 4096:
            self._found[key] = found
        return found

    def cost(self, model: str, provider: str | None, usage: TokenUsage) -> Cost | None:
        price = self.price(model, provider)
        return cost_of(price, usage) if price is not None else None


#: GenAI ``gen_ai.provider.name`` -> genai-prices provider id, where they differ.
_GENAI_PRICES_PROVIDERS = {
    "azure.ai.openai": "azure",
    "aws.bedrock": "aws",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "mistral_ai": "mistral",
    "x_ai": "x-ai",
}


class GenAIPrices:
    """Prices from the ``genai-prices`` package's bundled snapshot (no network)."""

    def __init__(self) -> None:
        import genai_prices  # ImportError: not installed

        self._calc = genai_prices.calc_price
        self._usage = genai_prices.Usage
        self._unknown: set[tuple[str, str | None]] = set()

    def cost(self, model: str, provider: str | None, usage: TokenUsage) -> Cost | None:
        key = (model, provider)
        if key in self._unknown or (usage.input_tokens is None and usage.output_tokens is None):
            return None
        counts = {
            "input_tokens": usage.input_tokens or 0,
            "output_tokens": usage.output_tokens or 0,
            "cache_read_tokens": usage.cache_read_input_tokens,
            "cache_write_tokens": usage.cache_creation_input_tokens,
        }
        provider_id = _GENAI_PRICES_PROVIDERS.get(provider, provider) if provider else None
        try:
            result = self._calc(self._usage(**{k: v for k, v in counts.items() if v is not None}), model, provider_id=provider_id)
        except LookupError:
            if len(self._unknown) < 4096:
                self._unknown.add(key)
            return None
        except Exception:  # a pricing failure never breaks tracing, and never guesses
            return None
        return Cost(float(result.input_price), float(result.output_price))


class Pricing:
    """Price sources in order: the first that knows the model prices it."""

    __slots__ = ("sources",)

    def __init__(self, sources: Sequence[PriceSource]) -> None:
        self.sources = tuple(sources)

    def cost(self, model: str | None, provider: str | None, usage: TokenUsage | None) -> Cost | None:
        if not model or usage is None or not usage:
            return None
        for source in self.sources:
            cost = source.cost(model, provider, usage)
            if cost is not None:
                return cost
        return None


def pricing_from(spec: Any) -> Pricing | None:
    """A :class:`Pricing` from a ``price_table`` setting, or None when there is none.

    ``spec``: a path (JSON/YAML), ``"genai-prices"``, a mapping of model prices, a
    :class:`PriceTable`/:class:`Pricing`, or a list of those (comma-separated in the environment).
    """
    if spec is None or spec == "" or spec == ():
        return None
    if isinstance(spec, Pricing):
        return spec
    items: Iterable[Any]
    if isinstance(spec, str):
        items = [part.strip() for part in spec.split(",") if part.strip()]
    elif isinstance(spec, (list, tuple)):
        items = spec
    else:
        items = [spec]
    sources: list[PriceSource] = []
    for item in items:
        if isinstance(item, str) and item.lower() == GENAI_PRICES:
            sources.append(GenAIPrices())
        elif isinstance(item, (str, os.PathLike)):
            sources.append(PriceTable.load(item))
        elif isinstance(item, Mapping):
            sources.append(PriceTable(item.get("models", item) if isinstance(item.get("models"), Mapping) else item))
        elif hasattr(item, "cost"):
            sources.append(item)
        else:
            raise TypeError(f"price_table: expected a path, 'genai-prices', a mapping or a PriceTable, got {type(item).__name__}")
    return Pricing(sources) if sources else None


__all__ = ["Cost", "GENAI_PRICES", "GenAIPrices", "ModelPrice", "PriceTable", "Pricing", "cost_of", "pricing_from"]
