"""fluxloop-otel without the FluxLoop SDK (import blocked), and with the SDK imported after it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.cli_projects import clean_env

pytestmark = pytest.mark.e2e

BLOCKER = """
import importlib.abc, sys

class BlockFluxLoopSDK(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "fluxloop" or name.startswith("fluxloop."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, BlockFluxLoopSDK())
"""

WITHOUT_SDK = """
import json, os, sys
import fluxloop_otel as fl
from fluxloop_otel.integrations import fluxloop_sdk

@fl.tool()
def lookup(q): return {"hits": [q]}

@fl.agent()
def run(input):
    return lookup(input)["hits"][0].upper()

with fl.instrument("no_sdk") as ctx:
    out = run("works")
fl.force_flush()
try:
    import fluxloop
    sdk = "imported"
except ImportError as exc:
    sdk = type(exc).__name__
records = [json.loads(l) for l in open(os.path.join(sys.argv[1], "observations.jsonl"))]
print(json.dumps({"out": out, "trace": ctx.trace_id, "types": [r["type"] for r in records],
                  "traces": {r["trace_id"] for r in records} == {ctx.trace_id},
                  "patched": fluxloop_sdk.is_patched(), "sdk": sdk, "sdk_loaded": "fluxloop" in sys.modules}))
"""

SDK_AFTER = """
import json
import fluxloop_otel as fl
from fluxloop_otel.integrations import fluxloop_sdk
before = fluxloop_sdk.is_patched()
import fluxloop   # imported after fluxloop_otel: the post-import hook bridges it
fluxloop.configure(use_collector=False, offline_store_dir=__import__("sys").argv[1] + "/sdk")

@fl.agent()
def run(input): return input

with fluxloop.instrument("late") as ctx:
    run("x")
fl.force_flush()
import os
records = [json.loads(l) for l in open(os.path.join(__import__("sys").argv[1], "observations.jsonl"))]
print(json.dumps({"before": before, "after": fluxloop_sdk.is_patched(), "same_trace": [r["trace_id"] for r in records] == [str(ctx.trace.id)]}))
"""


def _python(code: str, directory: Path) -> dict:
    env = clean_env(FLUXLOOP_OFFLINE_DIR=str(directory))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_works_when_the_sdk_cannot_be_imported(tmp_path: Path) -> None:
    report = _python(BLOCKER + WITHOUT_SDK, tmp_path)
    assert report == {
        "out": "WORKS",
        "trace": report["trace"],
        "types": ["tool", "agent"],
        "traces": True,
        "patched": False,
        "sdk": "ModuleNotFoundError",
        "sdk_loaded": False,
    }


def test_sdk_imported_after_fluxloop_otel_is_bridged(tmp_path: Path) -> None:
    assert _python(SDK_AFTER, tmp_path) == {"before": False, "after": True, "same_trace": True}
