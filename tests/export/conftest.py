"""Fixtures for the export tests: a loopback OTLP/gRPC sink, a hanging server, a real Phoenix and a
real rotel relay (the OTLP/HTTP sink is ``http_sink`` in support/fixtures.py; the sample agent
program runs through support/export_apps.py).

Phoenix takes about a minute to install and ten seconds to start; when the selected tests
need it, its setup starts on a background thread as soon as collection ends, and the tests
that use it run last, so everything else runs meanwhile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from support.otlp_servers import OtlpGrpcSink, SilentServer, free_port
from support.phoenix_server import Background, Phoenix, PhoenixUnavailable
from support.rotel import Rotel, rotel_binary, wait_for_port

_NEEDS_PHOENIX = "phoenix"
_background: Background | None = None


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: `pytest -m "not e2e"` installs nothing
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start Phoenix's setup in the background and run the tests that need it last."""
    global _background
    needing = [item for item in items if _NEEDS_PHOENIX in getattr(item, "fixturenames", ())]
    if not needing:
        return
    others = [item for item in items if _NEEDS_PHOENIX not in getattr(item, "fixturenames", ())]
    items[:] = others + needing
    if _background is None and not config.option.collectonly:
        _background = Background(Path(tempfile.mkdtemp(prefix="fluxloop-phoenix-")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _background is not None:
        _background.stop()


@pytest.fixture(scope="session")
def phoenix() -> Phoenix:
    """A running Phoenix (skipped, with the reason, only when it cannot be installed here)."""
    global _background
    if _background is None:  # e.g. selected by keyword after collection
        _background = Background(Path(tempfile.mkdtemp(prefix="fluxloop-phoenix-")))
    try:
        return _background.result()
    except PhoenixUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def grpc_sink() -> Iterator[OtlpGrpcSink]:
    sink = OtlpGrpcSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


# -- rotel, a real OTLP relay (support.rotel) ------------------------------------------------------
@pytest.fixture
def rotel_to_phoenix(phoenix: Phoenix, tmp_path: Path) -> Iterator[Rotel]:
    """rotel on loopback: OTLP in (HTTP and gRPC), OTLP/gRPC out to Phoenix."""
    binary = rotel_binary()
    http_port, grpc_port = free_port(), free_port()
    command = [
        str(binary), "start",
        "--otlp-grpc-endpoint", f"127.0.0.1:{grpc_port}",
        "--otlp-http-endpoint", f"127.0.0.1:{http_port}",
        "--exporter", "otlp",
        "--otlp-exporter-endpoint", phoenix.grpc_endpoint,
        "--otlp-exporter-protocol", "grpc",
        "--batch-timeout", "50ms",
        "--pid-file", str(tmp_path / "rotel.pid"),
        "--log-file", str(tmp_path / "rotel.log"),
    ]  # fmt: skip
    with open(tmp_path / "rotel.out", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(http_port, process)
        yield Rotel(f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{grpc_port}", process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)

