"""``fluxloop-otel show``: experiment directories, wrong-shape records, one observation in full, pipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fluxloop_sample"


def _copy_fixture(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("observations.jsonl", "traces.jsonl"):
        (directory / name).write_text((FIXTURE / name).read_text())


def test_experiment_directory_written_by_run_has_real_headers(cli, world: Path) -> None:
    (world / "agent.py").write_text("def run(input):\n    return input[::-1]\n")
    (world / "inputs.txt").write_text("first question\nsecond question\n")
    assert (
        cli("run", "agent:run", "--inputs", "inputs.txt", "--output", "out", "--no-progress").returncode == 0
    )
    experiment = next((world / "out").glob("exp_*"))
    shown = cli("show", str(experiment), "--last", "0")
    assert shown.returncode == 0, shown.stderr
    headers = [line for line in shown.stdout.splitlines() if line.startswith("trace ")]
    assert len(headers) == 2, shown.stdout
    assert not any("(no trace line)" in line for line in headers), headers
    assert "input first question" in headers[0] and "iteration 0" in headers[0] and " ms " in headers[0]


def test_nothing_readable_exits_non_zero(cli, world: Path) -> None:
    (world / "traces").mkdir()
    (world / "traces" / "observations.jsonl").write_text("not json\n[1, 2]\n")
    shown = cli("show", str(world / "traces"))
    assert shown.returncode == 1
    assert "nothing readable" in shown.stderr


def test_wrong_shape_records_are_reported_not_drawn(cli, world: Path) -> None:
    directory = world / "traces"
    _copy_fixture(directory)
    with (directory / "observations.jsonl").open("a") as handle:
        handle.write(json.dumps({"id": 7, "trace_id": "x", "type": "span", "name": "n"}) + "\n")
        handle.write(json.dumps({"trace_id": "x"}) + "\n")
        handle.write("[1, 2]\n")
        odd = {"id": "odd-1", "trace_id": "odd", "type": "tool", "name": "odd", "metadata": "text", "error": "boom"}
        handle.write(json.dumps(odd) + "\n")
    shown = cli("show", str(directory), "--last", "0")
    assert shown.returncode == 0
    assert "None" not in shown.stdout and " ?" not in shown.stdout
    assert "skipped 3 record(s) of the wrong shape" in shown.stdout
    assert "'id' is int, not a string" in shown.stdout
    assert "✗ error: boom" in shown.stdout  # a metadata that is not a mapping does not break the tree


def test_one_observation_in_full(cli, world: Path) -> None:
    directory = world / "traces"
    _copy_fixture(directory)
    records = [json.loads(line) for line in (directory / "observations.jsonl").read_text().splitlines()]
    long_input = "x" * 500
    records[0]["input"] = {"text": long_input}
    (directory / "observations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    shown = cli("show", str(directory), "--observation", records[0]["id"][:8])
    assert shown.returncode == 0, shown.stderr
    printed = json.loads(shown.stdout)
    assert printed["id"] == records[0]["id"] and printed["input"]["text"] == long_input
    missing = cli("show", str(directory), "--observation", "zzzz")
    assert missing.returncode == 2 and "no observation with id starting 'zzzz'" in missing.stderr


def test_header_does_not_wrap_when_piped(cli, world: Path) -> None:
    directory = world / "traces"
    _copy_fixture(directory)
    traces = [json.loads(line) for line in (directory / "traces.jsonl").read_text().splitlines()]
    traces[-1]["name"] = "a-very-long-trace-name-" + "y" * 80
    (directory / "traces.jsonl").write_text("".join(json.dumps(t) + "\n" for t in traces))
    shown = cli("show", str(directory), "--last", "1")
    header = next(line for line in shown.stdout.splitlines() if line.startswith("trace "))
    assert traces[-1]["name"] in header and "observations" in header and len(header) > 120
