"""NAT tests: NAT's import and plugin discovery take seconds, so they live here, under the ``nat`` marker.

``nat_components`` registers the scripted LLM, the tools and a custom workflow once per session.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterator

import pytest

nat = pytest.importorskip("nat.builder.workflow_builder", reason="nvidia-nat-core is not installed")

from fluxloop_otel.instrumentation.nat import NatInstrumentor  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "instrumentation/nat" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.nat)


@pytest.fixture(scope="session")
def nat_registry() -> Any:
    """NAT's plugins discovered and this folder's components registered (once per session)."""
    from nat.runtime.loader import PluginTypes, discover_and_register_plugins

    discover_and_register_plugins(PluginTypes.CONFIG_OBJECT)
    import nat_components

    return nat_components


@pytest.fixture
def nat_tracing(tracing: Any, nat_registry: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """``tracing`` with NAT instrumented on its provider and a user tracer inside the tools."""
    caplog.set_level(logging.WARNING)
    instrumentor = NatInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.provider)
    nat_registry.user_tracer = tracing.provider.get_tracer("user-code")
    nat_registry.stream_events.clear()
    try:
        yield tracing
    finally:
        instrumentor.uninstrument()
    assert "Failed to detach context" not in caplog.text


async def build_and_run(config: dict[str, Any], message: Any, stream: bool = False, to_type: Any = str) -> Any:
    """Build the workflow from ``config`` (``WorkflowBuilder.from_config``) and run it once."""
    from nat.builder.workflow_builder import WorkflowBuilder
    from nat.data_models.config import Config

    async with WorkflowBuilder.from_config(Config.model_validate(config)) as builder:
        workflow = await builder.build()
        async with workflow.run(message) as runner:
            if stream:
                return [chunk async for chunk in runner.result_stream(to_type=to_type)]
            return await runner.result(to_type=to_type)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
