"""The FluxLoop SDK sample agent, ported by changing its import line only (no configure()), under ``fluxloop run``.

Its experiment must match the one the real SDK produced for the same agent (``sdk_trace_summary.jsonl``).
"""

from __future__ import annotations

import pytest

from support.cli_projects import FIXTURES, Experiment, read_jsonl
from support.expectations import assert_tree, by_trace

pytestmark = pytest.mark.e2e

SDK_LINES = read_jsonl(FIXTURES / "sdk_sample" / "sdk_trace_summary.jsonl")


def test_same_outputs_tokens_and_actions_as_the_sdk(ported_experiment: Experiment) -> None:
    ours = ported_experiment.summary_lines()
    assert len(ours) == len(SDK_LINES) == 2
    for line, sdk in zip(ours, SDK_LINES, strict=True):
        for key in ("iteration", "persona", "input", "output", "success", "token_usage"):
            assert line[key] == sdk[key], key
        assert line["conversation"][1]["metadata"]["actions"] == sdk["conversation"][1]["metadata"]["actions"]
    assert [line["token_usage"]["total_tokens"] for line in ours] == [18.0, 11.0]


def test_observations_carry_the_cli_trace_ids(ported_experiment: Experiment) -> None:
    observations = by_trace(ported_experiment.artifacts("observations.jsonl"))
    sdk_traces = {t["id"] for t in ported_experiment.artifacts("traces.jsonl")}
    for line in ported_experiment.summary_lines():
        assert line["trace_id"] in sdk_traces
        ours = observations[line["trace_id"]]
        assert_tree(ours, "run")
        assert [o["type"] for o in ours] == ["span", "tool", "generation", "agent"]
    caught = [
        o for o in ported_experiment.artifacts("observations.jsonl") if o["name"] == "lookup" and "error" in o
    ]
    assert [(o["error"], o["metadata"]["error_type"]) for o in caught] == [
        ("'no fact for: look up something unknown please'", "KeyError")
    ]


def test_failed_run(ported_experiment: Experiment) -> None:
    assert [(e["input"], e["error"]) for e in ported_experiment.errors()] == [
        ("crash the agent", "agent crashed on purpose")
    ]
    assert len(ported_experiment.artifacts("traces.jsonl")) == 3
