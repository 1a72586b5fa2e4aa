"""examples/nat_agent as a ``fluxloop-otel run`` target; the real ``fluxloop parse`` reads the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli_projects import parse
from support.framework_projects import observations, run_example

pytestmark = pytest.mark.e2e

EXPECTED = {
    "What is the weather in Lisbon?": "Weather in Lisbon: sunny, 24 C / Timezone of Lisbon: WET",
    "Packing for Oslo tomorrow, what should I expect?": "Weather in Oslo: snow, -3 C / Timezone of Oslo: CET",
}


def test_nat_workflow_runs_and_parses(tmp_path: Path) -> None:
    experiment = run_example("nat_agent", tmp_path)
    lines = experiment.summary_lines()
    assert {line["input"]: line["output"] for line in lines} == EXPECTED
    assert experiment.errors() == []
    records = observations(experiment)
    for line in lines:
        ours = [o for o in records if o["trace_id"] == line["trace_id"]]
        kinds = [(o["type"], o["name"]) for o in ours]
        assert ("agent", "travel_agent") in kinds
        assert sorted(name for kind, name in kinds if kind == "tool") == ["get_weather", "local_time"]
        generations = [o for o in ours if o["type"] == "generation"]
        assert len(generations) == 2 and all(o["model"] == "scripted-travel-model" for o in generations)
        assert [o["prompt_tokens"] for o in generations] == [18, 30]
        assert line["token_usage"]["prompt_tokens"] == 48.0
    timelines = parse(experiment)
    assert len(timelines) == 2
    for record in timelines:
        steps = [(step["type"], step["name"]) for step in record["timeline"]]
        assert ("agent", "travel_agent") in steps and ("tool", "get_weather") in steps
        first_generation = next(i for i, s in enumerate(steps) if s[0] == "generation")
        assert first_generation < steps.index(("tool", "get_weather"))
        assert record["final_output"] == EXPECTED[record["input"]]
