"""Ordinary file-system problems give one line naming the path and the cause, and a non-zero exit.

Every subcommand against: a missing path, an unreadable path (as an unprivileged user), a
directory where a file is expected, a FIFO, and an unwritable output. ``show`` writes nothing,
so it has no output case.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fluxloop_sample"
OTLP_LINE = json.dumps(
    {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "b7ad6b7169203331",
                                "name": "invoke_agent bot",
                                "startTimeUnixNano": "1700000000000000000",
                                "endTimeUnixNano": "1700000001000000000",
                                "attributes": [
                                    {"key": "fluxloop.observation.type", "value": {"stringValue": "agent"}}
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
)


def _one_line(run, *needles: str) -> str:  # noqa: ANN001
    assert run.returncode != 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    for needle in needles:
        assert needle in line, line
    return line


def _traces_dir(world: Path) -> Path:
    directory = world / "traces"
    directory.mkdir()
    for name in ("observations.jsonl", "traces.jsonl"):
        (directory / name).write_text((FIXTURE / name).read_text())
        (directory / name).chmod(0o644)
    directory.chmod(0o755)
    return directory


# -- show ----------------------------------------------------------------------------------------
def test_show_missing_directory(cli, world: Path) -> None:
    _one_line(cli("show", str(world / "nope")), str(world / "nope"), "no such directory")


def test_show_unreadable_directory(cli, world: Path) -> None:
    directory = _traces_dir(world)
    directory.chmod(0o000)
    _one_line(cli("show", str(directory)), str(directory), "Permission denied")


def test_show_unreadable_file(cli, world: Path) -> None:
    directory = _traces_dir(world)
    (directory / "observations.jsonl").chmod(0o000)
    _one_line(cli("show", str(directory)), "observations.jsonl", "cannot read: Permission denied")


def test_show_observations_is_a_directory(cli, world: Path) -> None:
    directory = world / "traces"
    (directory / "observations.jsonl").mkdir(parents=True)
    _one_line(cli("show", str(directory)), "observations.jsonl", "is a directory")


def test_show_observations_is_a_fifo(cli, world: Path) -> None:
    directory = world / "traces"
    directory.mkdir()
    os.mkfifo(directory / "observations.jsonl")
    _one_line(cli("show", str(directory), timeout=20), "observations.jsonl", "is a FIFO")


def test_show_path_is_a_file(cli, world: Path) -> None:
    path = world / "file.jsonl"
    path.write_text("{}\n")
    _one_line(cli("show", str(path)), str(path), "expected a directory")


# -- run -----------------------------------------------------------------------------------------
@pytest.fixture
def project(world: Path) -> Path:
    (world / "agent.py").write_text("def run(input):\n    return input.upper()\n")
    (world / "inputs.txt").write_text("hello\nworld\n")
    for path in (world / "agent.py", world / "inputs.txt"):
        path.chmod(0o644)
    return world


def test_run_works_as_the_unprivileged_user(cli, project: Path) -> None:
    run = cli("run", "agent:run", "--inputs", "inputs.txt", "--output", "out", "--no-progress")
    assert run.returncode == 0, run.stderr
    assert len(list((project / "out").glob("exp_*/traces.jsonl"))) == 1


def test_run_missing_inputs_and_config(cli, project: Path) -> None:
    _one_line(cli("run", "agent:run", "--inputs", "nope.txt"), "nope.txt", "file not found")
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.txt", "--config", "nope.yaml"), "nope.yaml", "not found"
    )


def test_run_unreadable_config_and_inputs(cli, project: Path) -> None:
    config = project / "simulation.yaml"
    config.write_text("name: x\n")
    config.chmod(0o000)
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.txt", "--config", str(config)),
        "simulation.yaml",
        "Permission denied",
    )
    (project / "inputs.txt").chmod(0o000)
    _one_line(cli("run", "agent:run", "--inputs", "inputs.txt"), "inputs.txt", "Permission denied")


def test_run_directory_where_a_file_is_expected(cli, project: Path) -> None:
    (project / "inputs.jsonl").mkdir()
    _one_line(cli("run", "agent:run", "--inputs", "inputs.jsonl"), "inputs.jsonl", "is a directory")


def test_run_fifo_inputs_and_config(cli, project: Path) -> None:
    os.mkfifo(project / "inputs.fifo")
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.fifo", timeout=20),
        "inputs.fifo",
        "is a FIFO",
        "--inputs -",
    )
    os.mkfifo(project / "config.yaml")
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.txt", "--config", "config.yaml", timeout=20),
        "config.yaml",
        "is a FIFO",
    )


def test_run_unwritable_experiments_directory(cli, project: Path) -> None:
    out = project / "locked"
    out.mkdir()
    out.chmod(0o755)  # owned by root: nobody cannot write
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.txt", "--output", str(out)), str(out), "not writable"
    )
    _one_line(
        cli("run", "agent:run", "--inputs", "inputs.txt", "--output", str(out / "sub")),
        str(out / "sub"),
        "cannot be created",
    )
    assert not list(out.iterdir())


# -- convert -------------------------------------------------------------------------------------
@pytest.fixture
def spans(world: Path) -> Path:
    path = world / "in.json"
    path.write_text(OTLP_LINE + "\n")
    path.chmod(0o644)
    return path


def test_convert_works_as_the_unprivileged_user(cli, world: Path, spans: Path) -> None:
    run = cli("convert", str(spans), "-o", "out", "-q")
    assert run.returncode == 0, run.stderr
    assert len((world / "out" / "observations.jsonl").read_text().splitlines()) == 1


def test_convert_missing_and_unreadable_input(cli, world: Path, spans: Path) -> None:
    _one_line(cli("convert", str(world / "nope.json"), "-o", "out"), "nope.json", "no such file")
    spans.chmod(0o000)
    _one_line(cli("convert", str(spans), "-o", "out"), str(spans), "cannot read: Permission denied")


def test_convert_unreadable_input_directory_is_named(cli, world: Path, spans: Path) -> None:
    directory = world / "collected"
    (directory / "sub").mkdir(parents=True)
    (directory / "sub" / "a.json").write_text(OTLP_LINE + "\n")
    (directory / "sub").chmod(0o000)
    directory.chmod(0o755)
    line = _one_line(cli("convert", str(directory), "-o", "out"), str(directory / "sub"), "Permission denied")
    assert "no input files found" not in line


def test_convert_unreadable_top_level_input_directory(cli, world: Path) -> None:
    directory = world / "collected"
    directory.mkdir()
    (directory / "a.json").write_text(OTLP_LINE + "\n")
    directory.chmod(0o000)
    line = _one_line(
        cli("convert", str(directory), "-o", "out"),
        str(directory),
        "cannot read input directory: Permission denied",
    )
    assert "no input files found" not in line


def test_convert_fifo_input(cli, world: Path) -> None:
    os.mkfifo(world / "spans.json")
    _one_line(cli("convert", str(world / "spans.json"), "-o", "out", timeout=20), "spans.json", "is a FIFO")


def test_convert_output_is_an_existing_file(cli, world: Path, spans: Path) -> None:
    target = world / "out.txt"
    target.write_text("not a directory\n")
    _one_line(cli("convert", str(spans), "-o", str(target)), str(target), "expected an output directory")


def test_convert_output_file_is_a_directory(cli, world: Path, spans: Path) -> None:
    (world / "out" / "observations.jsonl").mkdir(parents=True)
    (world / "out").chmod(0o777)
    _one_line(cli("convert", str(spans), "-o", "out", "--overwrite"), "observations.jsonl", "is a directory")


def test_convert_unwritable_output_blames_the_output(cli, world: Path, spans: Path) -> None:
    locked = world / "locked"
    locked.mkdir()
    locked.chmod(0o755)
    line = _one_line(cli("convert", str(spans), "-o", str(locked)), str(locked), "Permission denied")
    assert "in.json" not in line and "malformed" not in line


def test_convert_output_file_that_cannot_be_opened_is_not_an_input_problem(
    cli, world: Path, spans: Path
) -> None:
    """The check passes (a regular file) but opening it fails: the output is blamed, not in.json."""
    out = world / "out"
    out.mkdir()
    out.chmod(0o777)
    (out / "observations.jsonl").write_text("")
    (out / "observations.jsonl").chmod(0o444)  # root's: nobody cannot append
    run = cli("convert", str(spans), "-o", str(out), "--append", "-q")
    _one_line(run, "observations.jsonl", "cannot write: Permission denied")
    assert "in.json" not in run.stderr and "malformed" not in run.stderr and "span(s)" not in run.stdout


def test_convert_gzip_input_still_works(cli, world: Path) -> None:
    path = world / "in.json.gz"
    path.write_bytes(gzip.compress((OTLP_LINE + "\n").encode()))
    path.chmod(0o644)
    assert cli("convert", str(path), "-o", "out", "-q").returncode == 0
