"""``fluxloop-otel run``: big inputs are capped where stored and streamed, config keys are checked,
``--inputs -`` reads standard input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from fluxloop_otel.runner.config import load_config
from fluxloop_otel.runner.config_keys import key_warnings
from fluxloop_otel.runner.inputs import load_inputs
from fluxloop_otel.runner.yamlfile import parse_yaml

AGENT = "def run(input):\n    return f'got {len(input)} chars'\n"


@pytest.mark.e2e
def test_a_huge_input_is_stored_capped_and_reaches_the_target_whole(cli, world: Path) -> None:
    (world / "agent.py").write_text(AGENT)
    size = 3_000_000
    (world / "inputs.jsonl").write_text(json.dumps({"input": "z" * size}) + "\n" + json.dumps("small") + "\n")
    run = cli("run", "agent:run", "--inputs", "inputs.jsonl", "--output", "out", "--no-progress")
    assert run.returncode == 0, run.stderr
    experiment = next((world / "out").glob("exp_*"))
    for name in ("traces.jsonl", "trace_summary.jsonl", "observations.jsonl"):
        assert (experiment / name).stat().st_size < 300_000, name  # was 3 copies x 3 MB per record
    lines = [json.loads(line) for line in (experiment / "traces.jsonl").read_text().splitlines()]
    assert lines[0]["output"] == f"got {size} chars"  # the target got the whole input
    assert lines[0]["input_truncated"] is True and lines[0]["input"].endswith(
        f"[truncated {size - 20000} chars]"
    )
    assert "input_truncated" not in lines[1]


@pytest.mark.e2e
def test_input_char_limit_option(cli, world: Path) -> None:
    (world / "agent.py").write_text(AGENT)
    (world / "inputs.txt").write_text("0123456789abcdef\n")
    assert (
        cli(
            "run",
            "agent:run",
            "--inputs",
            "inputs.txt",
            "--output",
            "out",
            "--input-char-limit",
            "4",
            "--no-progress",
        ).returncode
        == 0
    )
    line = json.loads(next((world / "out").glob("exp_*/trace_summary.jsonl")).read_text())
    assert line["input"] == "0123... [truncated 12 chars]" and line["output"] == "got 16 chars"


@pytest.mark.e2e
def test_inputs_from_standard_input(cli, world: Path) -> None:
    (world / "agent.py").write_text(AGENT)
    run = cli(
        "run", "agent:run", "--inputs", "-", "--output", "out", "--no-progress", stdin="one\n# comment\ntwo\n"
    )
    assert run.returncode == 0, run.stderr
    lines = [
        json.loads(line) for line in next((world / "out").glob("exp_*/traces.jsonl")).read_text().splitlines()
    ]
    assert [line["input"] for line in lines] == ["one", "two"]


def test_stdin_formats_are_recognised() -> None:
    jsonl = '{"input": "a", "persona": "p"}\n"b"\n'
    assert [(e.input, e.persona) for e in load_inputs("-", io.StringIO(jsonl))] == [("a", "p"), ("b", None)]
    yaml_doc = "inputs:\n  - input: y\n"
    assert [e.input for e in load_inputs("-", io.StringIO(yaml_doc))] == ["y"]
    assert [e.input for e in load_inputs("-", io.StringIO('[{"input": "j"}]'))] == ["j"]
    assert [e.input for e in load_inputs("-", io.StringIO("\n# c\nplain text\n"))] == ["plain text"]


def test_jsonl_is_streamed_and_keeps_line_separators_inside_strings(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"input": "a\u2028b"}) + "\n\n" + json.dumps({"input": "c"}) + "\n")
    assert [e.input for e in load_inputs(path)] == ["a\u2028b", "c"]


def test_unknown_and_misplaced_keys_are_warned_with_suggestions(tmp_path: Path) -> None:
    config = tmp_path / "simulation.yaml"
    config.write_text(
        "name: x\niteratons: 2\ntarget: agent:run\nvariation_count: 3\nrunner:\n  target: agent:run\n  iterations: 2\n  max_duraton: 5s\n"
    )
    warnings = load_config(config).warnings
    text = "\n".join(warnings)
    assert len(warnings) == 4, warnings
    assert f"{config}:2: unknown key 'iteratons' (ignored); did you mean 'iterations'?" in text
    assert f"{config}:3: 'target' belongs under 'runner:'" in text
    assert f"{config}:7: 'runner.iterations' belongs at the top level" in text
    assert "unknown key 'runner.max_duraton' (ignored); did you mean 'max_duration'?" in text
    assert "variation_count" not in text  # FluxLoop's own keys pass quietly


def test_sections_of_a_configs_directory_are_checked_per_file(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "project.yaml").write_text("name: p\nsource_root: ''\ncolector_url: null\n")
    (configs / "simulation.yaml").write_text("runner:\n  target: agent:run\n")
    warnings = load_config(configs).warnings
    assert warnings == [
        f"{configs / 'project.yaml'}:3: unknown key 'colector_url' (ignored); did you mean 'collector_url'?"
    ]


def test_key_warnings_ignore_non_mappings() -> None:
    assert key_warnings(parse_yaml("- a\n", "x.yaml"), "x.yaml") == []


@pytest.mark.e2e
def test_run_prints_the_warnings_and_goes_on(cli, world: Path) -> None:
    (world / "agent.py").write_text(AGENT)
    (world / "inputs.txt").write_text("hi\n")
    (world / "sim.yaml").write_text("runner:\n  target: agent:run\n  timeout: 3\n")
    run = cli("run", "--config", "sim.yaml", "--inputs", "inputs.txt", "--no-progress")
    assert run.returncode == 0, run.stderr
    assert (
        "warning: " in run.stderr
        and "unknown key 'runner.timeout'" in run.stderr
        and "timeout_seconds" in run.stderr
    )
