"""Fixtures used by tests in several folders (registered by tests/conftest.py)."""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from support.loopback import EchoServer
from support.otlp_servers import OtlpHttpSink


@pytest.fixture
def http_sink() -> Iterator[OtlpHttpSink]:
    """A loopback OTLP/HTTP receiver (traces, logs and metrics)."""
    sink = OtlpHttpSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    """A loopback HTTP server that answers JSON and keeps each request's headers."""
    server = EchoServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def http_server() -> Iterator[str]:
    """The URL of a loopback HTTP server shared by the session (the httpx calls made inside tools go here)."""
    server = EchoServer()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def httpx_instrumented(tracing: Any) -> Iterator[None]:
    """opentelemetry-instrumentation-httpx on the test's provider."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.provider)
    try:
        yield
    finally:
        instrumentor.uninstrument()


@pytest.fixture
def restore_environment() -> Iterator[None]:
    """``os.environ`` as it was before the test (the in-process runner sets FLUXLOOP_OFFLINE_DIR
    and runner.environment_vars)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
