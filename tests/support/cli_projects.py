"""Building FluxLoop projects and running the real ``fluxloop`` / ``fluxloop-otel`` commands on them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.paths import FIXTURES as TESTS_FIXTURES

FIXTURES = TESTS_FIXTURES / "fluxloop_cli"
BIN = Path(sys.executable).parent
FLUXLOOP = BIN / "fluxloop"
FLUXLOOP_OTEL = BIN / "fluxloop-otel"
CLI_TIMEOUT = 180


def clean_env(**extra: str) -> dict[str, str]:
    """The test process environment without FLUXLOOP_*/OTEL_*/OPENAI_* variables, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLUXLOOP_", "OTEL_", "OPENAI_"))
    }
    env.update(extra)
    return env


def run_command(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected exit status fail with its output."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Experiment:
    """One experiment directory and the project it belongs to."""

    project: Path
    directory: Path
    output: str

    def summary_lines(self) -> list[dict[str, Any]]:
        return read_jsonl(self.directory / "trace_summary.jsonl")

    def artifacts(self, name: str) -> list[dict[str, Any]]:
        return read_jsonl(self.project / "experiments" / "artifacts" / name)

    def errors(self) -> list[dict[str, Any]]:
        path = self.directory / "errors.json"
        return json.loads(path.read_text()) if path.exists() else []


def _new_experiment(project: Path, before: set[Path], output: str) -> Experiment:
    created = sorted(set((project / "experiments").glob("exp_*")) - before)
    assert len(created) == 1, f"expected one new experiment directory, got {created}\n{output}"
    return Experiment(project, created[0], output)


def _experiments(project: Path) -> set[Path]:
    return set((project / "experiments").glob("exp_*"))


def init_project(root: Path, name: str) -> Path:
    """``fluxloop init project`` (directory created first, which skips its interactive prompt)."""
    project = root / name
    project.mkdir(parents=True)
    run_command([str(FLUXLOOP), "init", "project", str(root), "--name", name, "--no-example"], cwd=root)
    assert (project / "configs" / "simulation.yaml").is_file()
    return project


def point_simulation_at(project: Path, target: str, name: str) -> None:
    """Set the scaffolded simulation.yaml's runner to ``target`` (everything else unchanged)."""
    path = project / "configs" / "simulation.yaml"
    data = yaml.safe_load(path.read_text())
    module, _, function = target.partition(":")
    data["name"] = name
    data["runner"].update(
        {"target": target, "module_path": module, "function_name": function, "working_directory": "."}
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def fluxloop_run(project: Path) -> Experiment:
    before = _experiments(project)
    result = run_command([str(FLUXLOOP), "run", "experiment", "--yes", "--no-display"], cwd=project)
    return _new_experiment(project, before, result.stdout + result.stderr)


def fluxloop_otel_run(project: Path, *args: str) -> Experiment:
    before = _experiments(project)
    result = run_command([str(FLUXLOOP_OTEL), "run", "--no-progress", *args], cwd=project)
    return _new_experiment(project, before, result.stdout + result.stderr)


def build_support_project(root: Path, experiment_name: str) -> Path:
    """``fluxloop init project`` + the support agent (fluxloop-otel + LangChain), its inputs and
    personas; ``configs/simulation.yaml`` runs ``support_agent:run`` as ``experiment_name``."""
    project = init_project(root, "support")
    source = FIXTURES / "support_project"
    for name in ("support_agent.py", "support_logic.py"):
        shutil.copy(source / name, project / name)
    shutil.copytree(source / "inputs", project / "inputs")
    shutil.copy(source / "configs" / "input.yaml", project / "configs" / "input.yaml")
    point_simulation_at(project, "support_agent:run", experiment_name)
    return project


def parse(experiment: Experiment) -> list[dict[str, Any]]:
    """The real ``fluxloop parse experiment``: its per-trace timelines."""
    run_command([str(FLUXLOOP), "parse", "experiment", str(experiment.directory)], cwd=experiment.project)
    return read_jsonl(experiment.directory / "per_trace_analysis" / "per_trace.jsonl")
