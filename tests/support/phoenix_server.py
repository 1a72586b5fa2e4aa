"""A real Arize Phoenix server for the end-to-end tests: installed, started, read, stopped.

* Phoenix lives in its own virtual environment (``.cache/phoenix-venv`` in the repository,
  or ``$FLUXLOOP_TEST_PHOENIX_VENV``) with a pinned version: it pins OTel packages of its own.
  The install runs once (a marker file records the version) under a file lock, so parallel
  sessions share it; CI starts from a fresh clone and installs it during the test run.
* It is started through ``phoenix_launcher.py`` (its gRPC receiver forced onto 127.0.0.1) on
  free loopback ports, with a temporary working directory, telemetry, external resources,
  the agent assistant and server-side bash off, and it is always stopped.
* :class:`Phoenix` reads spans back through the REST API (``/v1/projects/{name}/spans``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.otlp_servers import free_port
from support.paths import REPOSITORY

PHOENIX_VERSION = "20.26.1"
LAUNCHER = Path(__file__).with_name("phoenix_launcher.py")
INSTALL_TIMEOUT = 600
START_TIMEOUT = 120


class PhoenixUnavailable(Exception):
    """Phoenix could not be installed here (the tests that need it are skipped with this message)."""


def venv_directory() -> Path:
    return Path(os.environ.get("FLUXLOOP_TEST_PHOENIX_VENV") or REPOSITORY / ".cache" / "phoenix-venv")


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def install(venv: Path | None = None) -> Path:
    """The Python of a venv with ``arize-phoenix==PHOENIX_VERSION``, installing it if needed."""
    venv = venv or venv_directory()
    marker = venv / f".fluxloop-arize-phoenix-{PHOENIX_VERSION}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and _python(venv).exists():
            return _python(venv)
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"arize-phoenix=={PHOENIX_VERSION}"],
        ]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise PhoenixUnavailable(f"cannot install arize-phoenix=={PHOENIX_VERSION} into {venv}: {exc}") from exc
            if done.returncode != 0:
                errors = [line for line in done.stderr.splitlines() if "is ignored: it is neither a file nor a directory" not in line]
                raise PhoenixUnavailable(
                    f"cannot install arize-phoenix=={PHOENIX_VERSION} into {venv} ({' '.join(step[-2:])} exited "
                    f"{done.returncode}): {' | '.join(errors[-5:])}"
                )
        marker.write_text(PHOENIX_VERSION + "\n")
        return _python(venv)


@dataclass
class Phoenix:
    """A running Phoenix: where to send spans and how to read them back."""

    http_port: int
    grpc_port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def http_traces_endpoint(self) -> str:
        return f"{self.base_url}/v1/traces"

    @property
    def grpc_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    def get(self, path: str, **query: Any) -> Any:
        """GET a REST path; None on 404 (a project that has no spans yet)."""
        url = f"{self.base_url}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def spans(self, project: str, trace_id: str | None = None) -> list[dict[str, Any]]:
        """All spans of ``project`` (of one trace when ``trace_id`` is given)."""
        query: dict[str, Any] = {"limit": 1000}
        if trace_id:
            query["trace_id"] = trace_id
        body = self.get(f"/v1/projects/{urllib.parse.quote(project)}/spans", **query)
        return [] if body is None else list(body["data"])

    def wait_for_spans(self, project: str, trace_id: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The spans of a trace once at least ``count`` arrived (what is there after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans(project, trace_id)
            if len(spans) >= count or time.monotonic() > deadline:
                return spans
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())


def start(python: Path, working_directory: Path, **settings: str) -> Phoenix:
    """Start Phoenix from ``python``'s venv on free loopback ports (plus ``PHOENIX_*`` ``settings``);
    returns once /healthz answers."""
    http_port, grpc_port = free_port(), free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "PHOENIX_", "FLUXLOOP_"))}
    environment.update(
        PHOENIX_HOST="127.0.0.1",
        PHOENIX_PORT=str(http_port),
        PHOENIX_GRPC_PORT=str(grpc_port),
        PHOENIX_WORKING_DIR=str(working_directory),
        PHOENIX_TELEMETRY_ENABLED="false",
        PHOENIX_ALLOW_EXTERNAL_RESOURCES="false",
        PHOENIX_DISABLE_AGENT_ASSISTANT="true",
        PHOENIX_AGENTS_DISABLE_BASH="true",
        PYTHONUNBUFFERED="1",
    )
    environment.update(settings)
    log_path = working_directory / "phoenix.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(python), str(LAUNCHER)], env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=working_directory, start_new_session=True
        )
    phoenix = Phoenix(http_port, grpc_port, process, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Phoenix exited with {process.returncode} while starting:\n{phoenix.log_tail()}")
        try:
            with urllib.request.urlopen(f"{phoenix.base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return phoenix
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    phoenix.stop()
    raise RuntimeError(f"Phoenix did not answer /healthz within {START_TIMEOUT} s:\n{phoenix.log_tail()}")


class Background:
    """Install and start Phoenix on a thread, so other tests run meanwhile; :meth:`result` waits."""

    def __init__(self, working_directory: Path) -> None:
        self._working_directory = working_directory
        self._done = threading.Event()
        self._phoenix: Phoenix | None = None
        self._error: BaseException | None = None
        self.started = time.monotonic()
        threading.Thread(target=self._run, name="phoenix-setup", daemon=True).start()

    def _run(self) -> None:
        try:
            self._phoenix = start(install(), self._working_directory)
        except BaseException as exc:  # handed to the fixture, which skips or fails
            self._error = exc
        finally:
            self._done.set()

    def result(self, timeout: float = INSTALL_TIMEOUT + START_TIMEOUT) -> Phoenix:
        if not self._done.wait(timeout):
            raise RuntimeError("Phoenix setup did not finish in time")
        if self._error is not None:
            raise self._error
        assert self._phoenix is not None
        return self._phoenix

    def stop(self) -> None:
        """Stop Phoenix (waiting for a setup still under way) and remove its working directory."""
        self._done.wait(INSTALL_TIMEOUT + START_TIMEOUT)
        if self._phoenix is not None:
            self._phoenix.stop()
        shutil.rmtree(self._working_directory, ignore_errors=True)
