"""Fixtures for the LangChain tests: the instrumentor is on (``configure()`` switches it on),
a user tracer on the test's provider, and a check that OpenTelemetry never logged a failed
context detach (the loopback HTTP server and the httpx instrumentation: support/fixtures.py)."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A


@pytest.fixture(autouse=True)
def _no_failed_detach(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    assert "Failed to detach context" not in caplog.text
    assert "callback failed" not in caplog.text, caplog.text


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "abandons: the test abandons streams on purpose (spans may end as 'abandoned')"
    )


@pytest.fixture
def tracing(tracing: Any, request: pytest.FixtureRequest) -> Iterator[Any]:  # noqa: F811 - the root fixture, plus checks
    assert LangChainInstrumentor().is_instrumented_by_opentelemetry
    yield tracing
    if request.node.get_closest_marker("abandons") is None:  # only abandoned streams may end that way
        abandoned = [
            s.name for s in tracing.spans() if s.attributes.get(A.FLUXLOOP_STREAM_END_REASON) == "abandoned"
        ]
        assert not abandoned


@pytest.fixture
def user_tracer(tracing: Any) -> Any:
    return tracing.provider.get_tracer("user-code")
