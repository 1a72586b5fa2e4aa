"""The plain install resolves next to LangChain and LangGraph in a fresh venv, with no constraints file.

``pip install fluxloop-otel langchain`` used to end in ResolutionImpossible: the hard dependency
``opentelemetry-instrumentation-threading`` pins ``opentelemetry-instrumentation`` to its own
exact release. This runs pip's resolver for real (``--dry-run --report``) against the package
index, from this checkout, with the repository's constraints file not applied.
"""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.resolve, pytest.mark.e2e, pytest.mark.timeout(900)]


def _resolve(tmp_path: Path, *requirements: str) -> dict[str, str]:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    report = tmp_path / "report.json"
    environ = {k: v for k, v in os.environ.items() if k not in ("PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV")}
    environ["PIP_CONSTRAINT"] = ""  # no constraints file, whatever pip.conf says
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report), *requirements],
        capture_output=True,
        text=True,
        env=environ,
        timeout=840,
    )
    errors = "\n".join(line for line in result.stderr.splitlines() if "is ignored" not in line)
    if result.returncode != 0 and ("Could not find a version" in errors or "NewConnectionError" in errors):
        pytest.skip(f"package index unreachable: {errors[-400:]}")
    assert result.returncode == 0, errors[-3000:]
    installed = json.loads(report.read_text())["install"]
    return {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in installed}


def test_plain_install_resolves_next_to_langchain_and_langgraph(tmp_path: Path) -> None:
    versions = _resolve(tmp_path, str(ROOT), "langchain", "langgraph")
    assert "fluxloop-otel" in versions
    assert "opentelemetry-instrumentation-threading" not in versions  # an extra now
    assert versions["opentelemetry-instrumentation"].startswith("0.")


def test_threading_extra_resolves_with_a_contrib_instrumentation(tmp_path: Path) -> None:
    versions = _resolve(tmp_path, f"{ROOT}[threading]", "opentelemetry-instrumentation-httpx")
    instrumentation = versions["opentelemetry-instrumentation"]
    assert versions["opentelemetry-instrumentation-threading"] == instrumentation
    assert versions["opentelemetry-instrumentation-httpx"] == instrumentation
