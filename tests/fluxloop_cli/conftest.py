"""Fixtures for the FluxLoop CLI tests: real projects, real ``fluxloop`` / ``fluxloop-otel`` processes.

Every CLI process is started once per session and shared (the ``fluxloop`` command takes a while
to import): one ``fluxloop init project`` + ``fluxloop run experiment`` on the support agent, one on
the ported SDK sample agent, one ``fluxloop-otel run``; parse/evaluate run in the tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from cli_projects import (
    FIXTURES,
    Experiment,
    fluxloop_otel_run,
    fluxloop_run,
    init_project,
    point_simulation_at,
)
from fluxloop_stub_llm import StubLLM


@pytest.fixture(scope="session")
def stub_llm() -> Iterator[StubLLM]:
    """The OpenAI-compatible stub on 127.0.0.1 (stopped at the end of the session)."""
    with StubLLM() as llm:
        yield llm


@pytest.fixture(scope="session")
def support_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``fluxloop init project`` + the support agent (fluxloop-otel + LangChain), its inputs and personas."""
    project = init_project(tmp_path_factory.mktemp("fluxloop-root"), "support")
    source = FIXTURES / "support_project"
    for name in ("support_agent.py", "support_logic.py"):
        shutil.copy(source / name, project / name)
    shutil.copytree(source / "inputs", project / "inputs")
    shutil.copy(source / "configs" / "input.yaml", project / "configs" / "input.yaml")
    point_simulation_at(project, "support_agent:run", "support_experiment")
    return project


@pytest.fixture(scope="session")
def cli_experiment(support_project: Path) -> Experiment:
    """``fluxloop run experiment --yes --no-display`` on the support project."""
    return fluxloop_run(support_project)


@pytest.fixture(scope="session")
def runner_experiment(support_project: Path, cli_experiment: Experiment) -> Experiment:
    """``fluxloop-otel run`` on the same project (reads configs/simulation.yaml)."""
    return fluxloop_otel_run(support_project)


@pytest.fixture(scope="session")
def ported_experiment(tmp_path_factory: pytest.TempPathFactory) -> Experiment:
    """The FluxLoop SDK sample project whose agent was ported by changing its import line only."""
    project = tmp_path_factory.mktemp("ported") / "proj"
    shutil.copytree(
        FIXTURES / "sdk_sample", project, ignore=shutil.ignore_patterns("sdk_trace_summary.jsonl")
    )
    return fluxloop_run(project)


@pytest.fixture(autouse=True)
def _restore_environment() -> Iterator[None]:
    """The in-process runner sets FLUXLOOP_OFFLINE_DIR and runner.environment_vars: undo after each test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
