"""The sample programs of tests/export, run as subprocesses: ``agent_app.py`` (the sample agent)
and ``tiny_app.py``; what a run produced is read back from its FluxLoop directory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.environment import clean_environment
from support.paths import TESTS

AGENT_APP = TESTS / "export" / "agent_app.py"
TINY_APP = TESTS / "export" / "tiny_app.py"


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
