"""The example agent, which has no tracing code, run in a subprocess: under
``opentelemetry-instrument`` (zero-code) and with one ``configure()`` call; the test reads
the FluxLoop JSONL files the run wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.paths import EXAMPLES

EXAMPLE = EXAMPLES / "langgraph_agent"
BIN = Path(sys.executable).parent


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["opentelemetry-instrument", "configure"])
def test_example_agent_writes_fluxloop_jsonl(tmp_path: Path, how: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "FLUXLOOP_"))}
    env.update(
        FLUXLOOP_OFFLINE_DIR=str(tmp_path / "traces"),
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    if how == "configure":
        command = [sys.executable, str(EXAMPLE / "traced.py")]
    else:
        command = [str(BIN / "opentelemetry-instrument"), sys.executable, str(EXAMPLE / "agent.py")]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Paris is sunny")
    assert "Traceback" not in done.stderr and "Failed to detach" not in done.stderr, done.stderr

    records = read(tmp_path / "traces" / "observations.jsonl")
    by_id = {r["id"]: r for r in records}
    summary = sorted((r["type"], r["name"]) for r in records)
    assert summary == sorted(
        [
            ("agent", "travel_agent"),
            ("chain", "agent"),
            ("chain", "agent"),
            ("chain", "tools"),
            ("chain", "tools_condition"),
            ("chain", "tools_condition"),
            ("generation", "ScriptedToolModel"),
            ("generation", "ScriptedToolModel"),
            ("tool", "get_weather"),
            ("tool", "search_handbook"),
            ("retrieval", "HandbookRetriever"),
        ]
    )
    assert len({r["trace_id"] for r in records}) == 1
    generations = [r for r in records if r["type"] == "generation"]
    assert sorted((g["model"], g["prompt_tokens"], g["completion_tokens"]) for g in generations) == [
        ("scripted-model-1", 20, 12),
        ("scripted-model-1", 80, 12),
    ]
    parents = {
        r["name"]: by_id[r["parent_observation_id"]]["name"] for r in records if "parent_observation_id" in r
    }
    assert parents["get_weather"] == "tools" and parents["HandbookRetriever"] == "search_handbook"
    assert parents["tools"] == "travel_agent"
    traces = read(tmp_path / "traces" / "traces.jsonl")
    assert [(t["name"], t["session_id"]) for t in traces] == [("travel_agent", "demo-thread")]
