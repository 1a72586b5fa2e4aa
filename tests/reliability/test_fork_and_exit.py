"""``fork()`` after ``configure()`` (multiprocessing with fork, spawn and forkserver:
Process, Pool, ProcessPoolExecutor) and interpreter exit without ``shutdown()``: every
participant's records are in the shared files once, none twice.

(Interpreter exit without shutdown in a single process: tests/config/test_configure.py::
test_interpreter_exit_without_shutdown_flushes; here with children and queued spans at fork.)
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from support.reliability_helpers import parse_strict, run_python

APP = Path(__file__).with_name("fork_app.py")

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_children_trace_into_the_same_files(tmp_path: Path, method: str) -> None:
    directory = tmp_path / "traces"
    done = run_python(APP, str(directory), method, cwd=tmp_path, timeout=180)
    made = json.loads(done.stdout.strip().splitlines()[-1])
    observations = parse_strict(directory / "observations.jsonl")
    traces = parse_strict(directory / "traces.jsonl")
    assert len({r["id"] for r in observations}) == len(observations), "a record was written twice"
    written = Counter(r["input"]["who"] for r in observations if r["type"] == "agent")
    tools = Counter(r["input"]["who"] for r in observations if r["type"] == "tool")
    assert dict(written) == made, f"agent records per participant {dict(written)} != traced {made}"
    assert dict(tools) == made
    assert len(traces) == sum(made.values())
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
