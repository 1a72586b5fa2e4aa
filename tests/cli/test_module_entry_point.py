"""``python -m fluxloop_otel`` works like the ``fluxloop-otel`` command."""

from __future__ import annotations

import subprocess
import sys

from fluxloop_otel.cli.main import COMMANDS
from fluxloop_otel.version import __version__


def test_python_dash_m_is_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fluxloop_otel", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == f"fluxloop-otel {__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "fluxloop_otel", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and all(command in helped.stdout for command in COMMANDS)
