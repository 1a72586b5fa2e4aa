"""Files fluxloop-otel creates are private (0600 by default, ``file_mode`` / ``FLUXLOOP_FILE_MODE``
to change it) whatever the umask: the FluxLoop JSONL files, the experiment directory of
``fluxloop-otel run`` and the argument recording. Output paths from a runner config cannot
leave the project, neither by ``..`` nor through a symbolic link.

(Covered elsewhere: JSONL files 0600 — tests/export/test_processor_faults.py::test_files_created_private_by_default;
``..`` in output paths — tests/runner/test_runner_execution.py::test_output_paths_escaping_the_root_are_refused,
::test_absolute_output_is_allowed_on_the_command_line_only.)
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fluxloop_otel.runner import ConfigError, Options, build_config

from support.reliability_helpers import python_env

CLI = Path(sys.executable).with_name("fluxloop-otel")
AGENT = """
import fluxloop_otel as fl


@fl.agent()
def run(input: str) -> str:
    fl.record_call_args("agent_module:run", input=input)
    return helper(input).upper()


@fl.tool()
def helper(text: str) -> str:
    return text
"""


def _modes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): stat.S_IMODE(path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".py"
        and path.name != "inputs.txt"
    }


def _run_cli(project: Path, umask: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "run", "agent_module:run", "--inputs", "inputs.txt", "--output", "out", "--no-progress"],
        cwd=project,
        env=python_env(
            FLUXLOOP_OFFLINE_DIR=str(project / "traces"),
            FLUXLOOP_RECORD_ARGS="true",
            FLUXLOOP_RECORDING_FILE=str(project / "recordings" / "args.jsonl"),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "agent_module.py").write_text(AGENT)
    (tmp_path / "inputs.txt").write_text("hello\nworld\n")
    return tmp_path


@pytest.mark.e2e
@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_everything_written_is_private_by_default(project: Path, umask: int) -> None:
    done = _run_cli(project, umask)
    assert done.returncode == 0, done.stderr[-3000:]
    modes = _modes(project)
    assert any(name.startswith("out/exp_") and name.endswith("summary.json") for name in modes), modes
    assert "traces/observations.jsonl" in modes and "recordings/args.jsonl" in modes, modes
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}


@pytest.mark.e2e
def test_file_mode_is_configurable(project: Path) -> None:
    done = _run_cli(project, 0o022, FLUXLOOP_FILE_MODE="0640")
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(_modes(project).values()) == {0o640}


def test_config_output_directory_through_a_symlink_is_refused(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "agent_module.py").write_text(AGENT)
    (project / "inputs.txt").write_text("hi\n")
    (project / "escape").symlink_to(elsewhere, target_is_directory=True)
    for output in ("escape", "escape/sub", "./escape/../escape"):
        (project / "sim.yaml").write_text(
            f"runner:\n  target: agent_module:run\noutput_directory: {output}\n"
        )
        with pytest.raises(ConfigError) as error:
            build_config(Options(config=Path("sim.yaml"), inputs=project / "inputs.txt"), cwd=project)
        assert "outside the allowed root" in str(error.value) and "output_directory" in str(error.value)
    (project / "sim.yaml").write_text(
        "runner:\n  target: agent_module:run\noutput_directory: inside/../results\n"
    )
    config = build_config(Options(config=Path("sim.yaml"), inputs=project / "inputs.txt"), cwd=project)
    assert config.output_directory == (project / "results").resolve()
