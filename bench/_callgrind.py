"""Instruction counts of a measured region, per thread, in one callgrind run.

Callgrind counts only inside ``functools.reduce`` (``--toggle-collect=functools_reduce``; the
state is kept per thread). A worker runs its measured calls inside one ``reduce`` on the calling
thread (:func:`run_counted`), and :func:`count_writer_drains` makes the FluxLoop JSONL writer
run each drain inside ``reduce`` on its own thread. Imports, set-up and warm-up are not counted,
so one run per variant gives the cost per call directly, caller and writer apart. The loop
itself adds about 1,000 instructions per call to every variant alike. Workers run with
``PYTHONHASHSEED=0``: with random string hashing, dict and set layouts (and so the counts)
move by about 2% between runs.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
import sys
from typing import Any, Callable, Sequence


def run_counted(fn: Callable[[], Any], calls: int) -> None:
    """``calls`` calls of ``fn``, inside the region callgrind counts."""
    functools.reduce(lambda _, __: fn(), range(calls), None)


def count_writer_drains() -> None:
    """Count the JSONL writer thread's work too: each drain runs inside ``reduce`` on that thread."""
    from fluxloop_otel.export.fluxloop.writer import JsonlWriter

    drain = JsonlWriter._drain

    def counted_drain(self: JsonlWriter) -> None:
        functools.reduce(lambda _, __: drain(self), (0,), None)

    JsonlWriter._drain = counted_drain  # type: ignore[method-assign]


def require_valgrind() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")


def thread_totals(argv: Sequence[str], workdir: str, label: str) -> list[int]:
    """Run ``argv`` under callgrind; instructions counted on each thread (the main thread first)."""
    prefix = os.path.join(workdir, label)
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--toggle-collect=functools_reduce",
         f"--callgrind-out-file={prefix}", *argv],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    totals = []
    for path in sorted(glob.glob(prefix + "-*")):
        with open(path) as handle:
            for line in handle:
                if line.startswith(("summary:", "totals:")):
                    totals.append(int(line.split()[1]))
                    break
    return totals
