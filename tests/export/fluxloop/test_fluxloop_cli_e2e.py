"""The real FluxLoop CLI (fluxloop-cli 0.3.0) runs, parses and evaluates an agent traced with fluxloop-otel only."""

from __future__ import annotations

import importlib.util
import json

import pytest

from fluxloop_otel.runner.observations import token_usage

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


def test_run_outputs_come_from_our_observations(cli_experiment: Experiment) -> None:
    lines = cli_experiment.summary_lines()
    assert {line["input"]: line["persona"] for line in lines} == SUPPORT_INPUTS
    observations = by_trace(cli_experiment.artifacts("observations.jsonl"))
    for line in lines:
        expected = support_logic.expected_output(line["input"])
        assert line["output"] == expected
        # The CLI falls back to the return value silently: prove it read our observations for its trace id.
        ours = observations[line["trace_id"]]
        agent = [o for o in ours if o["type"] == "agent"]
        assert [(o["name"], o["output"]) for o in agent] == [("support_agent", expected)]
        actions = line["conversation"][1]["metadata"]["actions"]
        assert actions[0] == "agent:support_agent"
        assert {"retrieval:search", "tool:weather", "generation:draft"} <= set(actions)
        assert len(actions) == len(ours)


def test_run_token_usage_equals_ours(cli_experiment: Experiment) -> None:
    observations = by_trace(cli_experiment.artifacts("observations.jsonl"))
    langchain_instrumented = importlib.util.find_spec("fluxloop_otel.instrumentation.langchain") is not None
    for line in cli_experiment.summary_lines():
        ours = observations[line["trace_id"]]
        if langchain_instrumented:  # the chain's fake chat model is a generation with its usage
            assert [o["name"] for o in ours if o["type"] == "generation" and o["name"] != "draft"] == [
                "GenericFakeChatModel"
            ]
        assert line["token_usage"] == expected_support_usage(line["input"], ours)
        assert line["token_usage"] == token_usage(ours)  # fluxloop-otel run computes the same sums


def test_run_observations_types_and_parent_links(cli_experiment: Experiment) -> None:
    observations = by_trace(cli_experiment.artifacts("observations.jsonl"))
    copied = by_trace(read_jsonl(cli_experiment.directory / "observations.jsonl"))
    traces = {
        json.loads(line)["trace_id"]: json.loads(line)
        for line in (cli_experiment.directory / "traces.jsonl").read_text().splitlines()
    }
    for line in cli_experiment.summary_lines():
        ours = observations[line["trace_id"]]
        root = assert_tree(ours, "support_agent")
        by_name = {o["name"]: o for o in ours}
        for name, kind in (("search", "retrieval"), ("weather", "tool"), ("draft", "generation")):
            assert by_name[name]["type"] == kind
            assert by_name[name]["parent_observation_id"] == root["id"]
        assert by_name["draft"]["model"] == "fake-draft-model"
        assert ours[-1] is root, "the outermost agent is written last (children end first), as the SDK does"
        assert copied[line["trace_id"]] == ours, "the CLI copied our lines into the experiment unchanged"
        assert traces[line["trace_id"]]["observation_count"] == len(ours)


def test_run_failure_goes_to_errors_json(cli_experiment: Experiment) -> None:
    errors = cli_experiment.errors()
    assert [(e["input"], e["error"], e["persona"]) for e in errors] == [
        (CRASH_INPUT, CRASH_ERROR, "novice_user")
    ]
    # The failed run is absent from the experiment but its trace is in the artifacts, with the error recorded.
    trace_lines = cli_experiment.artifacts("traces.jsonl")
    failed = [t for t in trace_lines if t["metadata"]["variation"]["input"] == CRASH_INPUT]
    assert len(failed) == 1
    agent = [o for o in cli_experiment.artifacts("observations.jsonl") if o["trace_id"] == failed[0]["id"]]
    assert [(o["type"], o["error"], o["metadata"]["error_type"]) for o in agent] == [
        ("agent", CRASH_ERROR, "RuntimeError")
    ]
    assert "output" not in agent[0]


def test_run_writes_one_trace_line_per_run(cli_experiment: Experiment) -> None:
    # The SDK writes the trace lines; the bridge's root spans are marked external, so no duplicates.
    trace_ids = [
        t["id"]
        for t in cli_experiment.artifacts("traces.jsonl")
        if t["name"].startswith("support_experiment")
    ]
    assert len(trace_ids) == 3 == len(set(trace_ids))
    assert {line["trace_id"] for line in cli_experiment.summary_lines()} <= set(trace_ids)


def test_parse_timelines_carry_our_observations_in_order(cli_experiment: Experiment) -> None:
    assert_timelines(parse(cli_experiment), cli_experiment)


def test_evaluate_with_stub_llm(cli_experiment: Experiment, stub_llm: StubLLM) -> None:
    if not (cli_experiment.directory / "per_trace_analysis").exists():
        parse(cli_experiment)
    report = evaluate(cli_experiment, stub_llm)
    assert "Production Ready" in report.read_text(encoding="utf-8")
