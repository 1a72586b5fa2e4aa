"""``python fork_app.py DIR START_METHOD``: a program that configures fluxloop-otel, traces,
then starts children with multiprocessing (Process, Pool, ProcessPoolExecutor) that trace into
the same files, and traces again. Nothing calls ``force_flush()`` or ``shutdown()``: the
parent's spans are still queued when it forks, the children end with spans still queued.

Prints a JSON summary: how many traces each participant made.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import sys

import fluxloop_otel as fl

CHILD_TRACES = 150


@fl.tool()
def lookup(who: str, i: int) -> str:
    return f"{who}-{i}"


@fl.agent()
def work(who: str, i: int) -> str:
    return lookup(who, i)


def child(who: str) -> int:
    for i in range(CHILD_TRACES):
        work(who, i)
    return CHILD_TRACES


def main() -> None:
    directory, method = sys.argv[1], sys.argv[2]
    # From the environment, so spawned children (fresh interpreters) configure the same way.
    os.environ["FLUXLOOP_OFFLINE_DIR"] = directory
    os.environ["FLUXLOOP_FLUSH_INTERVAL"] = "60"  # nothing is written by time: only flushes and exits
    fl.configure()
    made = {"parent": 0}
    for i in range(100):
        work("parent", i)
    made["parent"] += 100
    context = multiprocessing.get_context(method)
    processes = [context.Process(target=child, args=(f"process{n}",)) for n in range(2)]
    for process in processes:
        process.start()
    for n, process in enumerate(processes):
        process.join()
        assert process.exitcode == 0
        made[f"process{n}"] = CHILD_TRACES
    pool = context.Pool(2)
    counts = pool.map(child, ["pool0", "pool1", "pool2"])
    pool.close()
    pool.join()
    made.update({f"pool{n}": count for n, count in enumerate(counts)})
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as executor:
        counts = list(executor.map(child, ["executor0", "executor1"]))
    made.update({f"executor{n}": count for n, count in enumerate(counts)})
    for i in range(100, 150):
        work("parent", i)
    made["parent"] += 50
    print(json.dumps(made))


if __name__ == "__main__":
    main()
