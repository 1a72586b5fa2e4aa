"""rotel, a real OTLP relay, for the export tests: its binary from the PyPI wheel and a wait for its port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.paths import REPOSITORY

ROTEL_DIRECTORY = REPOSITORY / ".cache" / "rotel"


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


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")
