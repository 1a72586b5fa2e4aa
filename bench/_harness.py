"""Tiny benchmark harness: interleaved rounds, medians, ratios printed side by side."""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    """Microseconds per call of ``fn`` over ``calls`` calls (GC paused while timing)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        return (time.perf_counter_ns() - start) / calls / 1000
    finally:
        if gc_was_enabled:
            gc.enable()


def interleaved(variants: dict[str, Callable[[int], float]], rounds: int, calls: int) -> dict[str, float]:
    """Run every variant once per round, in rotating order; median µs/call per variant."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        order = names[round_index % len(names):] + names[: round_index % len(names)]
        for name in order:
            samples[name].append(variants[name](calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def print_table(title: str, results: dict[str, float], baseline: str, targets: dict[str, float] | None = None) -> None:
    print(f"\n{title}")
    print(f"{'variant':<44}{'µs/call':>10}{'ratio':>9}  target")
    for name, value in results.items():
        ratio = value / results[baseline]
        target = (targets or {}).get(name)
        verdict = "" if target is None else (f"<= {target:.2f}x " + ("OK" if ratio <= target else "MISSED"))
        print(f"{name:<44}{value:>10.2f}{ratio:>8.2f}x  {verdict}")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
