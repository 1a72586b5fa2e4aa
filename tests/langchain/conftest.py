"""Fixtures for the LangChain tests: the instrumentor is on (``configure()`` switches it on),
a user tracer on the test's provider, a loopback HTTP server, and a check that OpenTelemetry
never logged a failed context detach."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = json.dumps({"city": self.path.rsplit("/", 1)[-1], "forecast": "sunny"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@pytest.fixture(scope="session")
def http_server() -> Iterator[str]:
    """A real HTTP server on a loopback port (the httpx calls made inside tools go here)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
