"""NAT tests: NAT's import and plugin discovery take seconds, so they live here, under the ``nat`` marker.

``support.nat_components`` registers the scripted LLM, the tools and a custom workflow once per session.
"""

from __future__ import annotations

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
    """NAT's plugins discovered and the test components (support.nat_components) registered (once per session)."""
    from nat.runtime.loader import PluginTypes, discover_and_register_plugins

    discover_and_register_plugins(PluginTypes.CONFIG_OBJECT)
    from support import nat_components

    return nat_components


@pytest.fixture
def nat_tracing(tracing: Any, nat_registry: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """``tracing`` with NAT instrumented on its provider and a user tracer inside the tools."""
    caplog.set_level(logging.WARNING)
    assert NatInstrumentor().is_instrumented_by_opentelemetry, "configure() switches the NAT instrumentation on"
    nat_registry.user_tracer = tracing.provider.get_tracer("user-code")
    nat_registry.stream_events.clear()
    yield tracing
    assert "Failed to detach context" not in caplog.text
