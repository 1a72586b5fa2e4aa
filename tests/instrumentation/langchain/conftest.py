"""Fixtures for the LangChain and LangGraph / LangChain 1.x tests (the instrumentor is on:
``configure()`` switches it on): a user tracer on the test's provider, content capture off,
internal runnables hidden (the loopback HTTP server and the httpx instrumentation are in
support/fixtures.py).

Every test also checks that no callback failed, in fluxloop-otel or as reported by LangChain's
callback manager (``Error in ... callback``), that OpenTelemetry never logged a failed context
detach, and that no stream span ended early (``fluxloop.stream.end_reason``) unless the test is
marked ``ends_streams``.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

import fluxloop_otel
from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ends_streams: the test ends streams early on purpose (spans may carry fluxloop.stream.end_reason)",
    )


@pytest.fixture(autouse=True)
def _no_failed_callbacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    assert "Failed to detach context" not in caplog.text
    assert "callback failed" not in caplog.text, caplog.text
    assert "Error in FluxLoop" not in caplog.text, caplog.text  # LangChain's handle_event report


@pytest.fixture
def tracing(tracing: Any, request: pytest.FixtureRequest) -> Iterator[Any]:  # noqa: F811 - the root fixture, plus checks
    assert LangChainInstrumentor().is_instrumented_by_opentelemetry
    yield tracing
    if request.node.get_closest_marker("ends_streams") is None:
        ended = [(s.name, s.attributes[A.FLUXLOOP_STREAM_END_REASON]) for s in tracing.spans() if s.attributes.get(A.FLUXLOOP_STREAM_END_REASON)]
        assert not ended


@pytest.fixture
def user_tracer(tracing: Any) -> Any:
    return tracing.provider.get_tracer("user-code")


@pytest.fixture
def content_off(tracing: Any) -> Iterator[Any]:
    """The same tracing, with content capture off."""
    fluxloop_otel.configure(
        tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), capture_content=False
    )
    yield tracing


@pytest.fixture
def hide_internal(tracing: Any) -> Iterator[Any]:
    instrumentor = LangChainInstrumentor()
    instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=tracing.provider, hide_internal_runnables=True)
    try:
        yield tracing
    finally:
        instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=tracing.provider)
