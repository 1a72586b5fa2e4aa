"""A backend that refuses connections or accepts them and never answers: the traced program's
calls return on time, flush and shutdown keep their timeouts, the JSONL files are complete, and
exactly one warning says what happened."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider

import fluxloop_otel as fl
from fluxloop_otel.export.guard import GuardedExporter

from support.environment import clean_environment
from support.export_apps import TINY_APP
from support.otlp_servers import OtlpHttpSink, SilentServer, refused_port

RUNS = 60


@fl.retrieval
def search(query: str) -> list[str]:
    return ["doc"]


@fl.tool
def calculator(expression: str) -> str:
    return "4"


@fl.agent
def agent(question: str) -> str:
    search(question)
    return calculator(question)


@pytest.fixture(params=["refused", "hanging"])
def dead_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "refused":
        yield f"http://127.0.0.1:{refused_port()}"
    else:
        server = SilentServer()
        try:
            yield server.endpoint
        finally:
            server.close()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(("fluxloop_otel", "opentelemetry"))]


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_dead_backend_costs_the_program_nothing(
    dead_endpoint: str, protocol: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "3")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    caplog.set_level(logging.WARNING)
    provider = TracerProvider()
    fl.configure(tracer_provider=provider, otlp_endpoint=dead_endpoint, otlp_protocol=protocol, offline_store_dir=str(tmp_path), flush_interval=0.05)
    try:
        slowest = 0.0
        for index in range(RUNS):
            started = time.perf_counter()
            with fl.instrument(f"run-{index}"):
                assert agent("2+2") == "4"
            slowest = max(slowest, time.perf_counter() - started)
            if index % 20 == 0:
                time.sleep(0.1)  # let the batch worker start exports against the dead backend
        # A call that waited for an export would take the export timeout (3 s); half of it leaves
        # room for a loaded machine without letting a blocking call through.
        assert slowest < 1.5, f"a traced call took {slowest:.3f} s: it waited for the exporter"

        started = time.perf_counter()
        assert fl.force_flush(1.0) is False  # the JSONL part is flushed; the OTLP part cannot be
        assert time.perf_counter() - started < 1.5, "force_flush overran its timeout"
        observations = (tmp_path / "observations.jsonl").read_text().splitlines()
        assert len(observations) == 3 * RUNS and len((tmp_path / "traces.jsonl").read_text().splitlines()) == RUNS

        started = time.perf_counter()
        fl.shutdown(timeout=1.0)
        assert time.perf_counter() - started < 3.0, "shutdown overran"
    finally:
        fl.shutdown()
        provider.shutdown()
    messages = [w.getMessage() for w in _warnings(caplog)]
    # At most one warning about the outage while running, then one line with the count at shutdown.
    assert 1 <= len(messages) <= 2, messages
    if len(messages) == 2:
        assert "OTLP export to" in messages[0] and "JSONL files are not affected" in messages[0]
    assert "span(s) did not reach it" in messages[-1] and "JSONL files are not affected" in messages[-1]
    assert dead_endpoint.rsplit(":", 1)[-1].split("/")[0] in messages[-1]


def test_program_exit_waits_at_most_the_export_timeout(tmp_path: Path) -> None:
    """No flush, no shutdown: the process exits on its own with a hanging backend."""
    import subprocess

    server = SilentServer()
    try:
        environment = clean_environment(
            FLUXLOOP_OFFLINE_DIR=str(tmp_path),
            OTEL_EXPORTER_OTLP_ENDPOINT=server.endpoint,
            OTEL_EXPORTER_OTLP_TIMEOUT="2",
            TINY_APP_NO_FLUSH="1",
        )
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(TINY_APP)], env=environment, capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert elapsed < 2 + 4, f"exit took {elapsed:.1f} s"
    assert len((tmp_path / "observations.jsonl").read_text().splitlines()) == 1
    warning_lines = [line for line in done.stderr.splitlines() if "fluxloop-otel: OTLP export" in line]
    assert len(warning_lines) == 1, done.stderr


def test_guard_rests_after_a_failure_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    """Real OTLP exporter: refused -> one warning, batches dropped at once while resting;
    a receiver appears on that port -> the probe succeeds and export resumes."""
    caplog.set_level(logging.INFO)
    port = refused_port()
    now = [1000.0]
    guard = GuardedExporter(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces", timeout=2.5), clock=lambda: now[0])
    provider = TracerProvider()
    with provider.get_tracer("t").start_as_current_span("s") as span:
        pass
    try:
        assert guard.export([span]).name == "FAILURE" and guard.failing and guard.resting
        started = time.perf_counter()
        assert guard.export([span, span]).name == "FAILURE"
        assert time.perf_counter() - started < 0.05  # dropped without touching the network
        assert (guard.stats.failed_batches, guard.stats.skipped_batches, guard.stats.dropped_spans) == (1, 1, 3)

        sink = OtlpHttpSink(port=port)
        try:
            now[0] += 5.0  # the rest is over: the next batch is the probe
            assert guard.export([span]).name == "SUCCESS" and not guard.failing
            assert len(sink.wait_for_spans(1)) == 1
        finally:
            sink.close()
    finally:
        guard.shutdown()
        provider.shutdown()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "Connection refused" in warnings[0].getMessage()
    assert any("works again" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_guard_contains_an_exporter_that_raises(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(OTLPSpanExporter):
        def export(self, spans):  # type: ignore[no-untyped-def]
            raise RuntimeError("exporter bug")

    caplog.set_level(logging.WARNING)
    guard = GuardedExporter(Broken(endpoint="http://127.0.0.1:9/v1/traces"))
    assert guard.export([]).name == "FAILURE"
    assert "exporter bug" in caplog.text
