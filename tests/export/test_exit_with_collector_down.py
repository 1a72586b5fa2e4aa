"""A short script with OTLP configured and nothing listening exits at most about 1 s late.

Before: the exit flush waited out the exporter's retries (HTTP +7.0 s, gRPC +7.6 s on the dev
machine). Now the shutdown notices the exporter retrying, interrupts it and prints one line with
the number of spans that did not reach the endpoint; the JSONL files stay complete.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.environment import clean_environment
from support.export_apps import TINY_APP
from support.otlp_servers import refused_port

pytestmark = pytest.mark.e2e


def _run(tmp_path: Path, **environment: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = clean_environment(FLUXLOOP_OFFLINE_DIR=str(tmp_path), TINY_APP_NO_FLUSH="1", **environment)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(TINY_APP)], env=env, capture_output=True, text=True, timeout=60
    )
    return time.monotonic() - started, done


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_exit_is_at_most_about_one_second_late_when_the_endpoint_is_down(
    tmp_path: Path, protocol: str
) -> None:
    baseline = min(_run(tmp_path / f"plain{i}")[0] for i in range(2))
    elapsed, done = _run(
        tmp_path / "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{refused_port()}",
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
    )
    assert done.returncode == 0, done.stderr
    assert elapsed - baseline < 1.5, (
        f"exit took {elapsed:.2f} s, {elapsed - baseline:.2f} s more than without OTLP"
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "2 span(s) did not reach it" in lines[0] and "Connection refused" in lines[0], lines[0]
    assert len((tmp_path / "otlp" / "observations.jsonl").read_text().splitlines()) == 1
    assert len((tmp_path / "otlp" / "traces.jsonl").read_text().splitlines()) == 1
