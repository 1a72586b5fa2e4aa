"""Cost from a price table (and genai-prices): cached and reasoning tokens, unknown models, spans, JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry.pricing import ModelPrice, PriceTable, cost_of, pricing_from
from fluxloop_otel.telemetry.usage import TokenUsage

TABLE = {
    "gpt-4o": {"input": 2.5, "output": 10.0, "cache_read": 1.25},
    "anthropic/claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75},
    "o-think": {"input": 1.0, "output": 4.0, "reasoning": 8.0},
}


def test_plain_cost_per_million_tokens() -> None:
    cost = cost_of(ModelPrice(2.5, 10.0), TokenUsage(1_000_000, 100_000))
    assert cost is not None and cost.prompt == pytest.approx(2.5) and cost.completion == pytest.approx(1.0)
    assert cost.total == pytest.approx(3.5)


def test_cached_input_priced_at_the_cache_read_price() -> None:
    table = PriceTable(TABLE)
    cost = table.cost("gpt-4o", "openai", TokenUsage(2000, 500, cache_read_input_tokens=1536))
    assert cost.prompt == pytest.approx((464 * 2.5 + 1536 * 1.25) / 1e6)
    assert cost.completion == pytest.approx(500 * 10.0 / 1e6)


def test_anthropic_cache_writes_and_reads() -> None:
    usage = TokenUsage(360, 7, cache_read_input_tokens=300, cache_creation_input_tokens=50)
    cost = PriceTable(TABLE).cost("claude-sonnet-4-5", "anthropic", usage)
    assert cost.prompt == pytest.approx((10 * 3.0 + 300 * 0.3 + 50 * 3.75) / 1e6)


def test_reasoning_tokens_at_their_own_price_or_the_output_price() -> None:
    usage = TokenUsage(100, 50, reasoning_output_tokens=30)
    assert PriceTable(TABLE).cost("o-think", None, usage).completion == pytest.approx((20 * 4.0 + 30 * 8.0) / 1e6)
    assert PriceTable(TABLE).cost("gpt-4o", None, usage).completion == pytest.approx(50 * 10.0 / 1e6)


def test_dated_and_prefixed_names_find_their_model_but_nothing_looser() -> None:
    table = PriceTable(TABLE)
    assert table.price("gpt-4o-2024-08-06") == table.price("gpt-4o") == table.price("openai/gpt-4o") == table.price("GPT-4o")
    assert table.price("claude-sonnet-4-5-20250929", "anthropic") is not None
    for unknown in ("gpt-4o-mini", "gpt-4o-audio-preview", "gpt-4", "claude-sonnet-4-5"):  # the last: no provider given
        assert table.price(unknown) is None, unknown


def test_load_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps({"models": TABLE}))
    (tmp_path / "p.yaml").write_text("gpt-4o:\n  input: 2.5\n  output: 10\n")
    assert len(PriceTable.load(tmp_path / "p.json")) == 3
    assert PriceTable.load(tmp_path / "p.yaml").price("gpt-4o") == ModelPrice(2.5, 10.0)
    with pytest.raises(ValueError):
        PriceTable({"m": {"input": 1.0}})
    with pytest.raises(ValueError):
        PriceTable({"m": {"input": 1.0, "output": -1}})


def test_genai_prices_package_after_the_table() -> None:
    pytest.importorskip("genai_prices")
    pricing = pricing_from([{"my-model": {"input": 1.0, "output": 1.0}}, "genai-prices"])
    assert pricing.cost("my-model", None, TokenUsage(1_000_000, 0)).prompt == pytest.approx(1.0)
    gpt = pricing.cost("gpt-4o", "openai", TokenUsage(1000, 100, cache_read_input_tokens=500))
    assert gpt is not None and gpt.prompt == pytest.approx((500 * 2.5 + 500 * 1.25) / 1e6)
    assert pricing.cost("no-such-model-anywhere", "openai", TokenUsage(10, 10)) is None


def _chat(tracing, model: str) -> dict:
    @fl.prompt(model=model)
    def ask() -> dict:
        return {"content": "ok", "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}}

    with fl.instrument("cost"):
        ask()
    return dict(tracing.span(f"chat {model}").attributes)


def test_cost_on_the_generation_span_and_in_the_jsonl(tracing, tmp_path: Path) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05, price_table=TABLE)
    attributes = _chat(tracing, "gpt-4o")
    assert attributes[A.LLM_COST_PROMPT] == pytest.approx(1000 * 2.5 / 1e6)
    assert attributes[A.LLM_COST_COMPLETION] == pytest.approx(100 * 10.0 / 1e6)
    assert attributes[A.LLM_COST_TOTAL] == pytest.approx(0.0035)
    record = tracing.observation("ask")
    assert record["metadata"]["cost"] == {"prompt": pytest.approx(0.0025), "completion": pytest.approx(0.001), "total": pytest.approx(0.0035), "currency": "USD"}
    assert record["total_tokens"] == 1100


def test_unknown_model_gets_no_cost(tracing) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05, price_table=TABLE)
    attributes = _chat(tracing, "gpt-4o-mini")
    assert not any(key.startswith("llm.cost") for key in attributes)
    assert "cost" not in tracing.observation("ask")["metadata"]


def test_price_table_from_the_environment(tracing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(TABLE))
    monkeypatch.setenv("FLUXLOOP_PRICE_TABLE", str(path))
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05)
    assert _chat(tracing, "gpt-4o")[A.LLM_COST_TOTAL] == pytest.approx(0.0035)


def test_no_price_table_no_cost(tracing) -> None:
    assert not any(key.startswith("llm.cost") for key in _chat(tracing, "gpt-4o"))
