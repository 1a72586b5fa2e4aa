"""Fixtures running the ``fluxloop-otel`` command as an unprivileged user, in a directory that user can reach.

Imported by the conftest.py of tests/cli and tests/runner (``from support.cli_runner import cli, world``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from support.environment import clean_environment

NOBODY = 65534


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _unprivileged_prefix() -> list[str]:
    """Command prefix that drops root (we run as root in CI); nothing when already unprivileged."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is not installed: cannot test as an unprivileged user")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture
def world() -> Iterator[Path]:
    """A scratch directory every user can enter and write (pytest's tmp_path is root-only)."""
    directory = Path(tempfile.mkdtemp(prefix="fluxloop-otel-cli-", dir="/tmp"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        for root, dirs, _files in os.walk(directory):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o700)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def cli(world: Path):  # noqa: ANN201
    """``cli(*args, stdin=None)`` runs ``python -m fluxloop_otel.cli.main ARGS`` as nobody in ``world``."""
    prefix = _unprivileged_prefix()

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = 60) -> CliRun:
        env = clean_environment(PYTHONDONTWRITEBYTECODE="1", HOME=str(world))
        env.pop("COLUMNS", None)
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "fluxloop_otel.cli.main", *args],
            cwd=cwd or world,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliRun(done.returncode, done.stdout, done.stderr)

    return run
