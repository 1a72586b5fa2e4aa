"""The output directory fails while the program runs: file-size limit (EFBIG), a full
filesystem (ENOSPC on a tiny tmpfs), a read-only directory (EACCES), the directory deleted.
The traced program returns the same values; every lost record is counted (written + dropped =
produced), the loss is reported by one warning, no partial line is left, and writing resumes
once the fault is gone.

(Covered elsewhere: the path is a file, and a file replaced by a directory —
tests/export/test_processor_faults.py::test_directory_path_is_a_file, ::test_file_replaced_by_directory_then_writable_again;
a deleted file — ::test_file_deleted_while_running_is_recreated.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import fluxloop_otel as fl

from support.reliability_helpers import jsonl_processor, parse_strict, python_env, run_python

APP = Path(__file__).with_name("disk_fault_app.py")


def _run(command: list[str], **kwargs: Any) -> dict[str, Any]:
    done = subprocess.run(command, env=python_env(), capture_output=True, text=True, timeout=120, **kwargs)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check(result: dict[str, Any], errno_name: str) -> None:
    assert result["correct"], "a traced call returned something else under the fault"
    assert result["bad"] == 0, "a partial or unparsable line was left in the files"
    assert result["parsed"] == result["written"], "the files hold other lines than the writer counted"
    assert result["dropped"] > 0, "the fault did not cost anything: it was not simulated"
    assert result["written"] + result["dropped"] == result["lines"], "a record was lost without being counted"
    assert result["agents"]["before"] == list(range(20)) and result["agents"]["after"] == list(range(30))
    warnings = [w for w in result["warnings"] if "cannot write" in w]
    assert len(warnings) == 1 and len(result["warnings"]) == 1, result["warnings"]
    assert errno_name in warnings[0]
    print(
        f"\n{errno_name}: produced {result['lines']} lines, written {result['written']}, dropped (counted) {result['dropped']}, "
        f"partial lines {result['bad']}, warnings {len(warnings)}"
    )


@pytest.mark.e2e
def test_file_size_limit(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a subprocess: a write crossing the limit is short, then EFBIG."""
    result = _run([sys.executable, str(APP), str(tmp_path), "fsize"])
    _check(result, "File too large")


def _in_private_mount_namespace(tmp_path: Path, setup: str, fault: str, directory: Path) -> dict[str, Any]:
    """Run the app as root in a private mount namespace (skipped where that is not allowed)."""
    unshare = shutil.which("unshare")
    probe = unshare and subprocess.run(
        [
            unshare,
            "--mount",
            "--propagation",
            "private",
            "mount",
            "-t",
            "tmpfs",
            "-o",
            "size=64k",
            "tmpfs",
            str(tmp_path),
        ],
        capture_output=True,
    )
    if not probe or probe.returncode != 0:
        pytest.skip("cannot mount in a private mount namespace here (needs unshare and CAP_SYS_ADMIN)")
    script = f'{setup}exec "{sys.executable}" "{APP}" "{directory}" {fault}'
    return _run([unshare, "--mount", "--propagation", "private", "sh", "-c", script])


@pytest.mark.e2e
def test_disk_full(tmp_path: Path) -> None:
    """A real ENOSPC: the directory is a 1 MiB tmpfs, filled up, then given room again."""
    directory = tmp_path / "small"
    directory.mkdir()
    result = _in_private_mount_namespace(
        tmp_path, f'mount -t tmpfs -o size=1m tmpfs "{directory}" && ', "full", directory
    )
    _check(result, "No space left on device")


@pytest.mark.e2e
def test_read_only_directory(tmp_path: Path) -> None:
    """EROFS: a read-only directory is mounted over the output directory, then unmounted."""
    directory = tmp_path / "traces"
    directory.mkdir()
    result = _in_private_mount_namespace(tmp_path, "", "readonly", directory)
    _check(result, "Read-only file system")


def test_directory_deleted_while_running(
    tracing: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The directory (missing at first: it is created) is deleted five times under a busy
    program; everything traced after the last deletion is in the recreated files."""
    directory = tmp_path / "deep" / "missing" / "traces"
    fl.configure(
        tracer_provider=tracing.provider, offline_store_dir=str(directory), flush_interval=0.01, batch_size=8
    )

    @fl.tool()
    def step(phase: str, i: int) -> int:
        return i

    stop = threading.Event()
    results: list[bool] = []

    def busy() -> None:
        i = 0
        while not stop.is_set():
            results.append(step("busy", i) == i)
            i += 1

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        for _ in range(5):
            time.sleep(0.05)
            shutil.rmtree(directory, ignore_errors=True)
    finally:
        stop.set()
        worker.join()
    assert fl.force_flush(10)
    shutil.rmtree(directory, ignore_errors=True)
    for i in range(100):
        assert step("after", i) == i
    assert fl.force_flush(10) and all(results)
    records = parse_strict(directory / "observations.jsonl")
    assert sorted(r["input"]["i"] for r in records if r["input"]["phase"] == "after") == list(range(100))
    stats = jsonl_processor().stats
    assert stats.written_lines + stats.dropped_write_error == 2 * (
        len(results) + 100
    )  # every line accounted for
    assert (directory / "observations.jsonl").stat().st_mode & 0o777 == 0o600


@pytest.mark.e2e
def test_batch_failing_midway_counts_exactly_what_was_lost(tmp_path: Path) -> None:
    """A batch larger than one write whose third MiB hits the limit: the lines already written
    count as written, the rest as dropped (before the fix, the whole batch counted as dropped
    while two of its lines were on disk)."""
    script = """
        import json, resource, sys
        from fluxloop_otel.export.fluxloop.writer import JsonlWriter
        line = lambda n: json.dumps({"n": n, "pad": "p" * 600_000}).encode() + b"\\n"
        writer = JsonlWriter(sys.argv[1], lambda item: [("out.jsonl", item)], batch_size=100, flush_interval=60)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_500_000, resource.RLIM_INFINITY))
        for n in range(4):
            writer.submit(line(n))
        assert writer.force_flush(30)
        print(json.dumps({"written": writer.stats.written_lines, "dropped": writer.stats.dropped_write_error}))
    """
    done = run_python(script, str(tmp_path))
    assert json.loads(done.stdout) == {"written": 2, "dropped": 2}
    assert [r["n"] for r in parse_strict(tmp_path / "out.jsonl")] == [0, 1]
    assert "File too large" in done.stderr and done.stderr.count("cannot write") == 1
