"""Running an example FluxLoop project with the real ``fluxloop-otel run`` (``parse`` in cli_projects runs ``fluxloop parse``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from support.cli_projects import Experiment, fluxloop_otel_run, read_jsonl
from support.paths import EXAMPLES


def run_example(name: str, tmp_path: Path) -> Experiment:
    """Copy ``examples/<name>`` and run ``fluxloop-otel run`` on it (reads configs/simulation.yaml)."""
    project = tmp_path / name
    shutil.copytree(EXAMPLES / name, project, ignore=shutil.ignore_patterns("experiments", "traces", "__pycache__"))
    return fluxloop_otel_run(project)


def observations(experiment: Experiment) -> list[dict[str, Any]]:
    return read_jsonl(experiment.directory / "observations.jsonl")
