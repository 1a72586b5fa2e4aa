"""``debug`` reaches stderr without any logging setup; the opt-in SIGTERM flush keeps the last spans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ENV_PREFIXES = ("OTEL_", "FLUXLOOP_")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env.update(extra)
    return env


def test_debug_prints_to_stderr_by_itself(tmp_path: Path) -> None:
    script = (
        "import fluxloop_otel as f\nf.configure(debug=True)\n\n@f.tool\ndef t(x):\n    return x\n\nt(1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(FLUXLOOP_OFFLINE_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "fluxloop-otel DEBUG fluxloop_otel: fluxloop-otel configured" in done.stderr
    assert (
        f"traces go to: FluxLoop JSONL to {tmp_path} (observations.jsonl, traces.jsonl); no OTLP export"
        in done.stderr
    )


def test_debug_from_the_environment_and_an_app_with_its_own_logging(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="APP %(name)s %(message)s")
        import fluxloop_otel as f
        f.configure()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(FLUXLOOP_OFFLINE_DIR=str(tmp_path), FLUXLOOP_DEBUG="true"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "APP fluxloop_otel fluxloop-otel: traces go to" in done.stdout  # the app's handler, not ours
    assert "fluxloop-otel DEBUG" not in done.stderr


def test_debug_off_again_removes_the_handler() -> None:
    import logging

    from fluxloop_otel.config import diagnostics

    logger = logging.getLogger("fluxloop_otel")
    saved = logger.propagate
    logger.propagate = False  # as if nothing above would print (pytest's caplog sits on the root)
    try:
        diagnostics.apply_debug(True)
        assert any(isinstance(h, diagnostics._StderrHandler) for h in logger.handlers)
        diagnostics.apply_debug(True)
        assert sum(isinstance(h, diagnostics._StderrHandler) for h in logger.handlers) == 1
        diagnostics.apply_debug(False)
        assert not any(isinstance(h, diagnostics._StderrHandler) for h in logger.handlers)
    finally:
        logger.propagate = saved


SIGTERM_APP = textwrap.dedent(
    """
    import os, signal, sys, time
    import fluxloop_otel as f

    mode = sys.argv[1]
    if mode == "chained":
        def previous(signum, frame):
            print("previous handler ran", flush=True)
            sys.exit(7)
        signal.signal(signal.SIGTERM, previous)
    f.configure(flush_interval=30)  # nothing written for 30 s unless flushed
    if mode in ("opt-in", "chained"):
        assert f.flush_on_sigterm(timeout=5)

    @f.tool
    def step(i):
        return i

    for i in range(5):
        step(i)
    print("ready", flush=True)
    time.sleep(60)
    """
)


def _terminate(tmp_path: Path, mode: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    app = tmp_path / "app.py"
    app.write_text(SIGTERM_APP)
    proc = subprocess.Popen(
        [sys.executable, str(app), mode],
        env=_env(FLUXLOOP_OFFLINE_DIR=str(tmp_path / "traces"), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    path = tmp_path / "traces" / "observations.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), records


@pytest.mark.e2e
def test_without_the_opt_in_sigterm_loses_the_last_spans(tmp_path: Path) -> None:
    done, records = _terminate(tmp_path, "default")
    assert done.returncode == -signal.SIGTERM
    assert len(records) < 5  # the documented loss the opt-in fixes


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["call", "environment"])
def test_opt_in_flushes_then_dies_of_sigterm(tmp_path: Path, how: str) -> None:
    if how == "call":
        done, records = _terminate(tmp_path, "opt-in")
    else:
        done, records = _terminate(tmp_path, "default", FLUXLOOP_FLUSH_ON_SIGTERM="true")
    assert done.returncode == -signal.SIGTERM, done.stderr  # the signal is not swallowed
    assert sorted(r["name"] for r in records) == ["step"] * 5


@pytest.mark.e2e
def test_opt_in_chains_to_the_previous_handler(tmp_path: Path) -> None:
    done, records = _terminate(tmp_path, "chained")
    assert done.returncode == 7 and "previous handler ran" in done.stdout, done.stderr
    assert len(records) == 5


def test_remove_restores_the_previous_handler() -> None:
    from fluxloop_otel.config import signals

    before = signal.getsignal(signal.SIGTERM)
    assert signals.flush_on_sigterm(True) is True and signals.installed()
    assert signals.flush_on_sigterm(False) is False and not signals.installed()
    assert signal.getsignal(signal.SIGTERM) == before
