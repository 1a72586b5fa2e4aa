"""``fluxloop-otel run`` writes experiment directories the real FluxLoop CLI parses and evaluates unchanged."""

from __future__ import annotations

import json

import pytest

from support.cli_projects import Experiment, parse, read_jsonl
from support.expectations import (
    CRASH_ERROR,
    CRASH_INPUT,
    SUPPORT_INPUTS,
    assert_timelines,
    assert_tree,
    by_trace,
    evaluate,
    expected_support_usage,
    support_logic,
)
from support.fluxloop_stub_llm import StubLLM

pytestmark = pytest.mark.e2e


def test_runner_matches_the_cli_run(runner_experiment: Experiment, cli_experiment: Experiment) -> None:
    ours = {line["input"]: line for line in runner_experiment.summary_lines()}
    cli = {line["input"]: line for line in cli_experiment.summary_lines()}
    assert {text: line["persona"] for text, line in ours.items()} == SUPPORT_INPUTS
    observations = by_trace(read_jsonl(runner_experiment.directory / "observations.jsonl"))
    for text, line in ours.items():
        assert line["output"] == cli[text]["output"] == support_logic.expected_output(text)
        assert (
            line["token_usage"]
            == cli[text]["token_usage"]
            == expected_support_usage(text, observations[line["trace_id"]])
        )
        assert (
            line["conversation"][1]["metadata"]["actions"]
            == cli[text]["conversation"][1]["metadata"]["actions"]
        )
        assert_tree(observations[line["trace_id"]], "support_agent")
        assert line["trace_id"] != cli[text]["trace_id"]


def test_runner_field_types(runner_experiment: Experiment) -> None:
    for line in runner_experiment.summary_lines():
        assert (
            type(line["iteration"]) is int
            and type(line["duration_ms"]) is float
            and type(line["output"]) is str
        )
        assert (
            isinstance(line["conversation"], list)
            and isinstance(line["persona"], str)
            and line["success"] is True
        )
        assert set(line["token_usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    summary = json.loads((runner_experiment.directory / "summary.json").read_text())
    results = summary["results"]
    assert (results["total_runs"], results["successful"], results["failed"]) == (3, 2, 1)
    assert (
        summary["name"] == "support_experiment"
        and summary["config"]["runner"]["target"] == "support_agent:run"
    )
    assert [(e["input"], e["error"], e["error_type"]) for e in runner_experiment.errors()] == [
        (CRASH_INPUT, CRASH_ERROR, "RuntimeError")
    ]
    assert "runs" in runner_experiment.output and "latency p95" in runner_experiment.output


def test_runner_traces_are_in_the_artifacts(runner_experiment: Experiment) -> None:
    # Our own trace lines (the runner's instrument() blocks), one per run, failed run included.
    names = [t["name"] for t in runner_experiment.artifacts("traces.jsonl")]
    assert (
        names.count("support_experiment_iter0_persona_novice_user") == 2 * 2
    )  # CLI run + ours, 2 novice inputs each
    failed = [
        t
        for t in runner_experiment.artifacts("traces.jsonl")
        if t.get("metadata", {}).get("error") == CRASH_ERROR
    ]
    assert len(failed) == 1 and failed[0]["id"] == runner_experiment.errors()[0]["trace_id"]


def test_parse_and_evaluate_runner_experiment(runner_experiment: Experiment, stub_llm: StubLLM) -> None:
    assert_timelines(parse(runner_experiment), runner_experiment)
    evaluate(runner_experiment, stub_llm)
