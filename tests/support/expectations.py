"""What the fixture agents must produce, computed from their tracing-free logic, and the checks of
what ``fluxloop parse`` / ``fluxloop evaluate`` make of their experiments."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path
from typing import Any

from support.cli_projects import FIXTURES, FLUXLOOP, Experiment, clean_env, run_command
from support.fluxloop_stub_llm import StubLLM


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support_logic = _load("support_logic_expected", FIXTURES / "support_project" / "support_logic.py")

SUPPORT_INPUTS = {
    "What is the capital of France?": "novice_user",
    "How is Paris in spring?": "expert_user",
}
CRASH_INPUT = "Please crash now"
CRASH_ERROR = "support agent crashed on purpose"


def by_trace(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        grouped[record["trace_id"]].append(record)
    return grouped


def expected_support_usage(question: str, observations: list[dict[str, Any]]) -> dict[str, float]:
    """``draft``'s usage plus, per LangChain chat-model generation recorded, the fake model's usage."""
    draft = support_logic.draft_usage(question, support_logic.search(question))
    langchain = [
        o for o in observations if o["type"] == "generation" and o["name"] != "draft" and "prompt_tokens" in o
    ]
    polish = support_logic.POLISH_USAGE
    for observation in langchain:
        assert (observation["prompt_tokens"], observation["completion_tokens"]) == (
            polish["input_tokens"],
            polish["output_tokens"],
        ), observation
    return {
        "prompt_tokens": float(draft["prompt_tokens"] + polish["input_tokens"] * len(langchain)),
        "completion_tokens": float(draft["completion_tokens"] + polish["output_tokens"] * len(langchain)),
        "total_tokens": float(draft["total_tokens"] + polish["total_tokens"] * len(langchain)),
    }


def assert_tree(observations: list[dict[str, Any]], root_name: str) -> dict[str, Any]:
    """One root (the agent, no ``parent_observation_id``); every parent id inside the trace; returns the root."""
    ids = {o["id"] for o in observations}
    assert len(ids) == len(observations), "observation ids are unique"
    roots = [o for o in observations if "parent_observation_id" not in o]
    assert [(r["type"], r["name"]) for r in roots] == [("agent", root_name)], roots
    for observation in observations:
        parent = observation.get("parent_observation_id")
        assert parent is None or parent in ids, f"{observation['name']} has a parent outside its trace"
        assert observation["id"][:19] == observation["trace_id"][:19], (
            "observation ids carry the trace id's high 64 bits"
        )
    return roots[0]


def assert_timelines(records: list[dict], experiment: Experiment) -> None:
    """``fluxloop parse``'s timelines of the support project: our observations, in order."""
    assert len(records) == 2
    for record in records:
        timeline = record["timeline"]
        kinds = [(step["type"], step["name"]) for step in timeline]
        assert kinds[0] == ("agent", "support_agent")
        order = [
            kinds.index(step)
            for step in (("retrieval", "search"), ("tool", "weather"), ("generation", "draft"))
        ]
        assert order == sorted(order), f"timeline out of order: {kinds}"
        assert all(step["duration_ms"] is not None and step["duration_ms"] >= 0 for step in timeline)
        assert record["metrics"]["observation_count"] == len(timeline)
        assert record["final_output"] == support_logic.expected_output(record["input"])
        markdown = (
            experiment.directory / "per_trace_analysis" / f"{record['iteration']:02d}_{record['trace_id']}.md"
        )
        assert "[retrieval] search" in markdown.read_text()


def evaluate(experiment: Experiment, stub: StubLLM) -> Path:
    """The real ``fluxloop evaluate experiment`` of the support project, judged by ``stub``."""
    stub.clear()
    env = clean_env(OPENAI_BASE_URL=stub.base_url)
    run_command(
        [str(FLUXLOOP), "evaluate", "experiment", str(experiment.directory), "--llm-api-key", "stub-key"],
        cwd=experiment.project,
        env=env,
    )
    report = experiment.directory / "evaluation_report" / "report.html"
    assert report.is_file() and report.stat().st_size > 10_000
    per_trace = stub.of_kind("per_trace")
    assert len(per_trace) == 2 and len(stub.of_kind("overall")) == 1
    assert {request["model"] for request in stub.requests} == {"gpt-4o"}
    assert all(request["authorization"] == "Bearer stub-key" for request in stub.requests)
    judged = " ".join(request["messages"][1]["content"] for request in per_trace)
    assert "support_agent" in judged and "retrieval" in judged, "the judge saw our timeline"
    return report
