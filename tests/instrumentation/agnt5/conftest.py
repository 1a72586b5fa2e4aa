"""AGNT5 tests (``agnt5`` marker): the instrumentation on the test's provider."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

pytest.importorskip("agnt5", reason="agnt5 is not installed")

from fluxloop_otel.instrumentation.agnt5 import Agnt5Instrumentor  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "instrumentation/agnt5" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.agnt5)


@pytest.fixture
def agnt5_tracing(tracing: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    caplog.set_level(logging.WARNING)
    assert Agnt5Instrumentor().is_instrumented_by_opentelemetry, "configure() switches the AGNT5 instrumentation on"
    yield tracing
    assert "Failed to detach context" not in caplog.text


@pytest.fixture
def registries() -> Iterator[None]:
    """Functions, tools and workflows a test registers are forgotten afterwards."""
    from agnt5.function import FunctionRegistry
    from agnt5.tool import ToolRegistry
    from agnt5.workflow import WorkflowRegistry

    before = (set(FunctionRegistry.all()), set(ToolRegistry.all()), set(WorkflowRegistry.all()))
    yield
    for registry, names in zip((FunctionRegistry, ToolRegistry, WorkflowRegistry), before):
        for name in set(registry.all()) - names:
            registry.discard(name)
