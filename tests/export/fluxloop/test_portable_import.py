"""``import fluxloop_otel`` works where ``fcntl`` does not exist (Windows), and the writer still appends."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


def test_import_and_write_without_fcntl(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["fcntl"] = None  # what importing it does on Windows: ImportError
        import fluxloop_otel as fl
        from fluxloop_otel.export.fluxloop import filelock
        assert filelock.KIND in ("msvcrt", "none"), filelock.KIND
        fl.configure(offline_store_dir={str(tmp_path)!r}, instrument_langchain=False, instrument_threading=False)

        @fl.tool()
        def add(a: int, b: int) -> int:
            return a + b

        add(2, 3)
        fl.shutdown()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    records = [json.loads(line) for line in (tmp_path / "observations.jsonl").read_text().splitlines()]
    assert [(r["type"], r["name"], r["output"]) for r in records] == [("tool", "add", 5)]
