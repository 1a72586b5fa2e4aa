"""Fixtures for the export tests: loopback OTLP sinks, a hanging server, a real Phoenix and a
real rotel relay, and a runner for the sample agent program.

Phoenix takes about a minute to install and ten seconds to start; when the selected tests
need it, its setup starts on a background thread as soon as collection ends, and the tests
that use it run last, so everything else runs meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from otlp_servers import OtlpGrpcSink, OtlpHttpSink, SilentServer, free_port
from phoenix_server import REPOSITORY, Background, Phoenix, PhoenixUnavailable

HERE = Path(__file__).resolve().parent
AGENT_APP = HERE / "agent_app.py"
TINY_APP = HERE / "tiny_app.py"
ROTEL_DIRECTORY = REPOSITORY / ".cache" / "rotel"
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
def http_sink() -> Iterator[OtlpHttpSink]:
    sink = OtlpHttpSink()
    try:
        yield sink
    finally:
        sink.close()


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


# -- the sample agent as a program --------------------------------------------------------------
@dataclass
class AppRun:
    """One run of ``agent_app.py``: its trace ids and the FluxLoop files it wrote."""

    trace_ids: list[str]
    directory: Path
    stderr: str
    seconds: float

    def records(self, name: str) -> list[dict[str, Any]]:
        path = self.directory / name
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without OTEL_/FLUXLOOP_ variables, plus ``overrides``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "FLUXLOOP_"))}
    environment.update(overrides)
    return environment


def run_app(directory: Path, command: list[str] | None = None, timeout: float = 90, flushed: bool | None = True, **environment: str) -> AppRun:
    """Run the sample agent (or ``command``) in a subprocess with ``environment`` plus
    FLUXLOOP_OFFLINE_DIR=directory; ``flushed`` is what its ``force_flush`` must have returned."""
    env = clean_environment(FLUXLOOP_OFFLINE_DIR=str(directory), **environment)
    started = time.monotonic()
    done = subprocess.run(command or [sys.executable, str(AGENT_APP)], env=env, capture_output=True, text=True, timeout=timeout, cwd=directory.parent)
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"agent app failed ({done.returncode}):\n{done.stderr[-3000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["flushed"] is flushed, done.stderr[-3000:]
    return AppRun(result["trace_ids"], directory, done.stderr, seconds)


# -- rotel, a real OTLP relay --------------------------------------------------------------------
def rotel_binary() -> Path:
    """rotel's agent binary from its PyPI wheel (``pip download --no-deps rotel``), cached in .cache/."""
    binary = ROTEL_DIRECTORY / "rotel" / "rotel-agent"
    if binary.exists():
        return binary
    download = ROTEL_DIRECTORY / "wheel"
    shutil.rmtree(download, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "rotel", "-d", str(download)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wheels = sorted(download.glob("rotel-*.whl"))
    if done.returncode != 0 or not wheels:
        pytest.skip(f"cannot download the rotel wheel from PyPI: {done.stderr.strip()[-500:]}")
    with zipfile.ZipFile(wheels[-1]) as wheel:
        wheel.extract("rotel/rotel-agent", ROTEL_DIRECTORY)
    binary.chmod(0o755)
    return binary


@dataclass
class Rotel:
    http_endpoint: str
    grpc_endpoint: str
    process: subprocess.Popen[bytes]


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
        _wait_for_port(http_port, process)
        yield Rotel(f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{grpc_port}", process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")
