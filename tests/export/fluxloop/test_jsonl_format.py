"""The JSONL records match what the FluxLoop SDK writes (field names and JSON types)."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import datetime
from typing import Any

import pytest

import fluxloop_otel as fl

from support.paths import FIXTURES as TESTS_FIXTURES

FIXTURES = TESTS_FIXTURES / "fluxloop_sample"


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


def _types(record: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in record.items()}


# The sample agent, ported from the FluxLoop SDK by changing its import line.
@fl.trace()
def normalize(text: str) -> str:
    return " ".join(text.strip().split()).lower()


@fl.tool(description="Look up canned facts")
def lookup(query: str, limit: int = 1) -> dict[str, Any]:
    if "unknown" in query:
        raise KeyError(f"no fact for: {query}")
    return {"facts": ["Paris is the capital of France."], "count": 1}


@fl.prompt(model="fake-model")
def generate(question: str, facts: list[str]) -> dict[str, Any]:
    text = facts[0] if facts else "Sorry, I could not find that."
    return {"text": text, "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}


@fl.agent()
def run(input: str) -> str:
    if "crash" in input:
        raise RuntimeError("agent crashed on purpose")
    question = normalize(input)
    try:
        facts = lookup(question)["facts"]
    except KeyError:
        facts = []
    return generate(question, facts)["text"]


@contextlib.contextmanager
def _nothing():
    yield


@pytest.fixture
def produced(tracing) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    for text in ("What is the capital of France?", "Look up something unknown please", "crash the agent"):
        with pytest.raises(RuntimeError) if "crash" in text else _nothing():
            with fl.instrument("proj_experiment_iter0", metadata={"iteration": 0}):
                run(text)
    return tracing.observations(), tracing.traces()


def test_observation_fields_and_types_match_the_sdk(produced) -> None:
    ours, _ = produced
    samples = _load("observations.jsonl")
    by_key = {(r["type"], r["name"], "error" in r): r for r in ours}
    for sample in samples:
        mine = by_key[(sample["type"], sample["name"], "error" in sample)]
        assert list(mine) == list(sample), f"{sample['name']}: keys or key order differ"
        assert _types(mine) == _types(sample), f"{sample['name']}: JSON types differ"
        assert mine["level"] in ("info", "error")
        if sample["name"] == "lookup" and "error" in sample:
            assert mine["metadata"]["error_type"] == sample["metadata"]["error_type"] == "KeyError"
            assert mine["error"] == sample["error"].replace("look up something unknown please", mine["input"]["query"])


def test_trace_fields_and_types_match_the_sdk(produced) -> None:
    _, traces = produced
    sample = _load("traces.jsonl")[0]
    assert len(traces) == 3
    for mine in traces:
        assert set(mine) == set(sample)
        assert {k: type(v) for k, v in mine.items()} == _types(sample)


def test_ids_timestamps_and_parent_links(produced) -> None:
    ours, traces = produced
    trace_ids = {t["id"] for t in traces}
    ids = {r["id"] for r in ours}
    for record in ours:
        uuid.UUID(record["id"])
        assert record["trace_id"] in trace_ids
        for key in ("start_time", "end_time"):
            parsed = datetime.fromisoformat(record[key])
            assert parsed.utcoffset().total_seconds() == 0 and record[key].endswith("+00:00")
        if record["type"] == "agent":
            assert "parent_observation_id" not in record
        else:
            assert record["parent_observation_id"] in ids
    # the SDK writes children before their parent: the outermost agent is last in its trace
    for trace_id in trace_ids:
        in_trace = [r for r in ours if r["trace_id"] == trace_id]
        assert in_trace[-1]["type"] == "agent"
