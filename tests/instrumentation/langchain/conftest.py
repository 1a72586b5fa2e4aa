"""Fixtures for the LangGraph / LangChain 1.x agent tests (the instrumentor is on: ``configure()``
switches it on). Every test also checks that no callback failed, in fluxloop-otel or as
reported by LangChain's callback manager (``Error in ... callback``)."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

import fluxloop_otel
from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A


@pytest.fixture(autouse=True)
def _no_failed_callbacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    assert "Failed to detach context" not in caplog.text
    assert "callback failed" not in caplog.text, caplog.text
    assert "Error in FluxLoop" not in caplog.text, caplog.text  # LangChain's handle_event report


@pytest.fixture
def tracing(tracing: Any) -> Iterator[Any]:  # noqa: F811 - the root fixture, plus checks
    assert LangChainInstrumentor().is_instrumented_by_opentelemetry
    yield tracing
    abandoned = [s.name for s in tracing.spans() if s.attributes.get(A.FLUXLOOP_STREAM_END_REASON)]
    assert not abandoned


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

