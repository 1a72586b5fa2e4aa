"""examples/agnt5_agent as a ``fluxloop-otel run`` target; the real ``fluxloop parse`` reads the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli_projects import parse
from support.framework_projects import observations, run_example

pytestmark = pytest.mark.e2e

EXPECTED = {
    "What is the weather in Lisbon?": "Weather in Lisbon: sunny, 24 C",
    "Packing for Oslo tomorrow, what should I expect?": "Weather in Oslo: snow, -3 C",
}


def test_agnt5_agent_runs_and_parses(tmp_path: Path) -> None:
    experiment = run_example("agnt5_agent", tmp_path)
    lines = experiment.summary_lines()
    assert {line["input"]: line["output"] for line in lines} == EXPECTED
    records = observations(experiment)
    for line in lines:
        ours = [o for o in records if o["trace_id"] == line["trace_id"]]
        kinds = [(o["type"], o["name"]) for o in ours]
        assert ("chain", "normalize") in kinds and ("agent", "travel_agent") in kinds
        assert [name for kind, name in kinds if kind == "tool"] == ["get_weather"]
        generations = [o for o in ours if o["type"] == "generation"]
        assert [(o["model"], o["prompt_tokens"], o["completion_tokens"]) for o in generations] == [
            ("scripted-travel-model", 24, 8),
            ("scripted-travel-model", 41, 12),
        ]
        assert line["token_usage"]["total_tokens"] == 85.0
    timelines = parse(experiment)
    assert len(timelines) == 2
    for record in timelines:
        steps = [(step["type"], step["name"]) for step in record["timeline"]]
        assert steps.index(("chain", "normalize")) < steps.index(("agent", "travel_agent")) < steps.index(("tool", "get_weather"))
        assert record["final_output"] == EXPECTED[record["input"]]


def test_agnt5_agent_under_opentelemetry_instrument(tmp_path: Path) -> None:
    """Zero code: ``opentelemetry-instrument python agent.py`` (entry point ``fluxloop_agnt5``)."""
    import json

    from support.cli_projects import BIN, clean_env, run_command
    from support.paths import EXAMPLES

    traces = tmp_path / "traces"
    result = run_command(
        [str(BIN / "opentelemetry-instrument"), str(BIN / "python"), str(EXAMPLES / "agnt5_agent" / "agent.py")],
        cwd=tmp_path,
        env=clean_env(FLUXLOOP_OFFLINE_DIR=str(traces)),
    )
    assert "Weather in Lisbon: sunny, 24 C" in result.stdout
    records = [json.loads(line) for line in (traces / "observations.jsonl").read_text().splitlines()]
    kinds = sorted((r["type"], r["name"]) for r in records)
    assert kinds == [
        ("agent", "travel_agent"),
        ("chain", "normalize"),
        ("generation", "scripted-travel-model"),
        ("generation", "scripted-travel-model"),
        ("tool", "get_weather"),
    ]
    assert [t["name"] for t in map(json.loads, (traces / "traces.jsonl").read_text().splitlines())] == ["travel"]
