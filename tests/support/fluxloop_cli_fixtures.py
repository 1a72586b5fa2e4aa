"""Fixtures for the FluxLoop CLI tests: real projects, real ``fluxloop`` / ``fluxloop-otel`` processes
(registered by tests/conftest.py: tests/export/fluxloop and tests/runner share them).

Every CLI process is started once per session and shared (the ``fluxloop`` command takes a while
to import): one ``fluxloop init project`` + ``fluxloop run experiment`` on the support agent, one on
the ported SDK sample agent, one ``fluxloop-otel run``; parse/evaluate run in the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from support.cli_projects import FIXTURES, Experiment, build_support_project, fluxloop_otel_run, fluxloop_run
from support.fluxloop_stub_llm import StubLLM


@pytest.fixture(scope="session")
def stub_llm() -> Iterator[StubLLM]:
    """The OpenAI-compatible stub on 127.0.0.1 (stopped at the end of the session)."""
    with StubLLM() as llm:
        yield llm


@pytest.fixture(scope="session")
def support_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``fluxloop init project`` + the support agent (fluxloop-otel + LangChain), its inputs and personas."""
    return build_support_project(tmp_path_factory.mktemp("fluxloop-root"), "support_experiment")


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
