"""Running an example FluxLoop project with the real ``fluxloop-otel run`` and ``fluxloop parse``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fluxloop_cli"))

from cli_projects import FLUXLOOP, Experiment, fluxloop_otel_run, read_jsonl, run_command  # noqa: E402


def run_example(name: str, tmp_path: Path) -> Experiment:
    """Copy ``examples/<name>`` and run ``fluxloop-otel run`` on it (reads configs/simulation.yaml)."""
    project = tmp_path / name
    shutil.copytree(ROOT / "examples" / name, project, ignore=shutil.ignore_patterns("experiments", "traces", "__pycache__"))
    return fluxloop_otel_run(project)


def parse(experiment: Experiment) -> list[dict[str, Any]]:
    """The real ``fluxloop parse experiment``: its per-trace timelines."""
    run_command([str(FLUXLOOP), "parse", "experiment", str(experiment.directory)], cwd=experiment.project)
    return read_jsonl(experiment.directory / "per_trace_analysis" / "per_trace.jsonl")


def observations(experiment: Experiment) -> list[dict[str, Any]]:
    return read_jsonl(experiment.directory / "observations.jsonl")
