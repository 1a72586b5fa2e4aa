"""What the fixture agents must produce, computed from their tracing-free logic."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fluxloop_cli"


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
