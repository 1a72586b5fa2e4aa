"""``python disk_fault_app.py DIR FAULT``: a traced program whose output directory fails, then
recovers. FAULT is one of

* ``fsize``: ``RLIMIT_FSIZE`` (a file-size limit: writes fail with EFBIG, like a full disk for
  one process), lifted afterwards;
* ``full``: DIR is a tiny filesystem (the test mounts a tmpfs) nearly filled by a filler file:
  writes fail with ENOSPC; deleting the filler makes room;
* ``readonly``: an empty read-only directory is bind-mounted over DIR (the test runs this in a
  private mount namespace; root ignores permission bits, not read-only mounts): the files
  vanish, recreating them fails with EROFS; unmounting brings DIR back.

Phases: ``before`` (healthy), ``during`` (the fault), ``after`` (recovered), each flushed.
Prints one JSON line: whether every traced call returned what it returns without tracing, the
writer's counters, and the fluxloop-otel warnings logged.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys

import fluxloop_otel as fl
from fluxloop_otel.config import setup
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor

TRACES = {"before": 20, "during": 200, "after": 30}


class Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@fl.tool()
def lookup(phase: str, i: int, payload: str) -> str:
    return f"{phase}:{i}:{len(payload)}"


@fl.agent()
def agent(phase: str, i: int) -> str:
    return lookup(phase, i, "z" * 2000)


def fault_on(directory: str, fault: str) -> None:
    if fault == "fsize":
        sizes = [os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory)]
        resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes) + 30_000, resource.RLIM_INFINITY))
    elif fault == "full":
        free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
        with open(os.path.join(directory, "filler"), "wb") as filler:
            filler.write(b"\0" * max(0, free - 30_000))
    elif fault == "readonly":
        shadow = directory + ".shadow"
        os.makedirs(shadow, exist_ok=True)
        subprocess.run(["mount", "--bind", shadow, directory], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", directory], check=True)


def fault_off(directory: str, fault: str) -> None:
    if fault == "fsize":
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    elif fault == "full":
        os.unlink(os.path.join(directory, "filler"))
    elif fault == "readonly":
        subprocess.run(["umount", directory], check=True)


def main() -> None:
    directory, fault = sys.argv[1], sys.argv[2]
    counter = Count()
    logging.getLogger("fluxloop_otel").addHandler(counter)
    fl.configure(offline_store_dir=directory, flush_interval=0.01, batch_size=16, instrument_langchain=False)
    correct = True
    for phase, count in TRACES.items():
        if phase == "during":
            fault_on(directory, fault)
        if phase == "after":
            fault_off(directory, fault)
        for i in range(count):
            correct &= agent(phase, i) == f"{phase}:{i}:2000"
        assert fl.force_flush(30)
    # What is on disk now (read here: a test's tmpfs lives in this process's mount namespace).
    parsed, bad, agents = 0, 0, {phase: set() for phase in TRACES}
    for name in ("observations.jsonl", "traces.jsonl"):
        with open(os.path.join(directory, name), "rb") as handle:
            for line in handle.read().split(b"\n")[:-1]:
                try:
                    record = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                parsed += 1
                if record.get("type") == "agent":
                    agents[record["input"]["phase"]].add(record["input"]["i"])
    processor = next(
        p for f in setup._fanouts.values() for p in f.processors if isinstance(p, FluxLoopJsonlSpanProcessor)
    )
    stats = processor.stats
    print(
        json.dumps(
            {
                "correct": correct,
                "lines": 3 * sum(TRACES.values()),
                "written": stats.written_lines,
                "dropped": stats.dropped_write_error,
                "warnings": counter.messages,
                "parsed": parsed,
                "bad": bad,
                "agents": {phase: sorted(numbers) for phase, numbers in agents.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
