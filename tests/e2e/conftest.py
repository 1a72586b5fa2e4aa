"""Fixtures for the end-to-end tests (the harness is in ``support.e2e_harness``)."""

from __future__ import annotations

from typing import Iterator

import pytest

from support.e2e_harness import AppRun, run_app


@pytest.fixture(scope="module", params=["invoke", "stream"])
def app_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRun]:
    """The realistic app, two turns on one thread, invoked or streamed (``app.stream``, messages mode)."""
    yield from run_app(tmp_path_factory.mktemp(f"app-{request.param}"), request.param)
