"""Tiny benchmark harness: interleaved rounds, medians, ratios printed side by side.

Each measurement records wall-clock time and the CPU time of the calling thread
(``time.thread_time``): the first includes whatever background threads (the JSONL
writer, a BatchSpanProcessor) take from the caller through the GIL, the second is the
cost on the caller's own thread.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable


@dataclass(frozen=True)
class Cost:
    wall_us: float
    cpu_us: float


def per_call(fn: Callable[[], object], calls: int) -> Cost:
    """Wall and caller-thread CPU microseconds per call of ``fn`` (GC paused while timing)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
        for _ in range(calls):
            fn()
        cpu_end, wall_end = time.thread_time_ns(), time.perf_counter_ns()
        return Cost((wall_end - wall) / calls / 1000, (cpu_end - cpu) / calls / 1000)
    finally:
        if gc_was_enabled:
            gc.enable()


def interleaved(variants: dict[str, Callable[[int], Cost]], rounds: int, calls: int) -> dict[str, Cost]:
    """Run every variant once per round, in rotating order; medians per variant."""
    names = list(variants)
    samples: dict[str, list[Cost]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name](calls))
    return {
        name: Cost(statistics.median(c.wall_us for c in costs), statistics.median(c.cpu_us for c in costs))
        for name, costs in samples.items()
    }


def print_table(title: str, results: dict[str, Cost], baseline: str, targets: dict[str, float] | None = None) -> None:
    base = results[baseline]
    print(f"\n{title}")
    print(f"{'variant':<44}{'caller CPU µs':>14}{'ratio':>8}{'wall µs':>10}{'ratio':>8}  target (caller CPU)")
    for name, cost in results.items():
        cpu_ratio, wall_ratio = cost.cpu_us / base.cpu_us, cost.wall_us / base.wall_us
        target = (targets or {}).get(name)
        verdict = "" if target is None else (f"<= {target:.2f}x " + ("OK" if cpu_ratio <= target else "MISSED"))
        print(f"{name:<44}{cost.cpu_us:>14.2f}{cpu_ratio:>7.2f}x{cost.wall_us:>10.2f}{wall_ratio:>7.2f}x  {verdict}")


def rss_mb() -> float:
    import os

    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- the baseline every decorator benchmark compares against ----------------------------------------
def null_processor() -> Any:
    """A SimpleSpanProcessor over an exporter that does nothing (OTel imported lazily: the
    LangChain bench imports this module before it re-runs itself in its own venv)."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class NullExporter(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    return SimpleSpanProcessor(NullExporter())


def bare_span(tracer: Any) -> Callable[..., str]:
    """(b): ``start_as_current_span`` plus three ``set_attribute`` calls around the call."""

    def bare(query: str, limit: int = 1) -> str:
        with tracer.start_as_current_span("bare") as span:
            span.set_attribute("a", 1)
            span.set_attribute("b", "query")
            span.set_attribute("c", True)
            return query

    return bare


def bare_span_async(tracer: Any) -> Callable[..., Awaitable[str]]:
    """(b) in an ``async def``."""

    async def abare(query: str, limit: int = 1) -> str:
        with tracer.start_as_current_span("bare") as span:
            span.set_attribute("a", 1)
            span.set_attribute("b", "query")
            span.set_attribute("c", True)
            return query

    return abare


def bench_meter_provider() -> Any:
    """With ``FLUXLOOP_BENCH_METRICS=1``: a MeterProvider (in-memory reader) for the GenAI metrics, so
    the same benchmark measures "metrics on"; otherwise None (no MeterProvider: metrics off)."""
    import os

    if os.environ.get("FLUXLOOP_BENCH_METRICS", "") not in ("1", "true"):
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    return MeterProvider(metric_readers=[InMemoryMetricReader()])
