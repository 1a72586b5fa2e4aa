"""``examples/fluxloop_project`` runs both ways its README shows: the FluxLoop CLI and ``fluxloop-otel run``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.cli_projects import fluxloop_otel_run, fluxloop_run
from support.expectations import by_trace
from support.paths import EXAMPLES

pytestmark = pytest.mark.e2e

EXAMPLE = EXAMPLES / "fluxloop_project"


def test_example_runs_both_routes(tmp_path: Path) -> None:
    project = tmp_path / "fluxloop_project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("experiments", "__pycache__", ".env"))
    cli = fluxloop_run(project)
    ours = fluxloop_otel_run(project)
    for experiment in (cli, ours):
        lines = experiment.summary_lines()
        assert [line["persona"] for line in lines] == ["novice_user", "expert_user"]
        assert all(
            line["conversation"][1]["metadata"]["actions"]
            == ["agent:trip_helper", "retrieval:find_guides", "tool:forecast", "generation:write_answer"]
            for line in lines
        )
        assert [error["input"] for error in experiment.errors()] == ["Recommend something in Atlantis"]
        observations = by_trace(experiment.artifacts("observations.jsonl"))
        assert all(observations[line["trace_id"]] for line in lines)
    assert [(line["output"], line["token_usage"]) for line in cli.summary_lines()] == [
        (line["output"], line["token_usage"]) for line in ours.summary_lines()
    ]
