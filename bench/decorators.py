"""Per-call cost of fluxloop-otel decorators vs a bare OTel span, writer throughput, RSS.

    python bench/decorators.py [--quick]

(b) is ``tracer.start_as_current_span`` + three ``set_attribute`` calls on the same
TracerProvider (a do-nothing exporter). The decorators run with the FluxLoop JSONL
processor attached and content capture on. Variants are interleaved; medians; ratios.
A last table repeats the sync variants with the JSONL processor off: the decorators' own cost,
without the writer thread converting spans on the other core.
Targets (issue 2): decorators <= 1.3x (b); writer >= 50,000 spans/s; RSS flat over 1M spans.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import (  # noqa: E402
    Cost,
    bare_span,
    bare_span_async,
    interleaved,
    null_processor,
    per_call,
    print_table,
    rss_mb,
)
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402

import fluxloop_otel as fl  # noqa: E402
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor  # noqa: E402


def decorator_costs(rounds: int, calls: int, directory: str) -> None:
    # (b) runs on a provider with only the do-nothing exporter; the decorators run on an
    # identical provider that also carries fluxloop-otel's JSONL processor.
    bare_provider = TracerProvider()
    bare_provider.add_span_processor(null_processor())
    tracer = bare_provider.get_tracer("bench")
    provider = TracerProvider()
    provider.add_span_processor(null_processor())
    fl.configure(tracer_provider=provider, offline_store_dir=directory, instrument_langchain=False, max_queue_size=200_000)

    def plain(query: str, limit: int = 1) -> str:
        return query

    bare = bare_span(tracer)

    tool = fl.tool()(plain)
    agent = fl.agent()(plain)

    async def aplain(query: str, limit: int = 1) -> str:
        return query

    abare = bare_span_async(tracer)

    atool = fl.tool()(aplain)
    aagent = fl.agent()(aplain)

    def sync_variant(fn):  # noqa: ANN001, ANN202
        return lambda n: per_call(lambda: fn("what is the capital of France?"), n)

    loop = asyncio.new_event_loop()

    def async_variant(fn):  # noqa: ANN001, ANN202
        async def many(n: int) -> Cost:
            wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
            for _ in range(n):
                await fn("what is the capital of France?")
            return Cost((time.perf_counter_ns() - wall) / n / 1000, (time.thread_time_ns() - cpu) / n / 1000)

        return lambda n: loop.run_until_complete(many(n))

    sync = interleaved(
        {
            "(b) bare start_as_current_span + 3 attrs": sync_variant(bare),
            "no tracing": sync_variant(plain),
            "@tool   (sync, JSONL on, content on)": sync_variant(tool),
            "@agent  (sync, JSONL on, content on)": sync_variant(agent),
        },
        rounds,
        calls,
    )
    print_table("Per-call cost, sync", sync, "(b) bare start_as_current_span + 3 attrs", {k: 1.3 for k in sync if k.startswith("@")})
    asynchronous = interleaved(
        {
            "(b) bare span in async def": async_variant(abare),
            "no tracing (async)": async_variant(aplain),
            "@tool   (async, JSONL on, content on)": async_variant(atool),
            "@agent  (async, JSONL on, content on)": async_variant(aagent),
        },
        rounds,
        calls,
    )
    print_table("Per-call cost, async", asynchronous, "(b) bare span in async def", {k: 1.3 for k in asynchronous if k.startswith("@")})
    loop.close()
    fl.force_flush()

    # The same decorators with the JSONL processor off: what they cost the caller by themselves,
    # without a writer thread converting spans next to it.
    fl.configure(tracer_provider=provider, offline_store_enabled=False, instrument_langchain=False)
    without_writer = interleaved(
        {
            "(b) bare start_as_current_span + 3 attrs": sync_variant(bare),
            "@tool   (sync, JSONL off, content on)": sync_variant(tool),
            "@agent  (sync, JSONL off, content on)": sync_variant(agent),
        },
        rounds,
        calls,
    )
    print_table("Per-call cost, sync, JSONL processor off", without_writer, "(b) bare start_as_current_span + 3 attrs", {})
    fl.shutdown()
    provider.shutdown()


def writer_throughput(spans_count: int, directory: str) -> None:
    """Spans/s the background writer converts and appends (the caller only enqueues)."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fl.configure(tracer_provider=provider, offline_store_enabled=False, instrument_langchain=False)

    @fl.tool(description="Look up canned facts")
    def lookup(query: str, limit: int = 1) -> dict:
        return {"facts": ["Paris is the capital of France."], "count": 1}

    @fl.prompt(model="fake-model")
    def generate(question: str) -> dict:
        return {"text": "Paris.", "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}

    for _ in range(500):
        lookup("what is the capital of France?")
        generate("what is the capital of France?")
    sample = exporter.get_finished_spans()
    fl.shutdown()
    processor = FluxLoopJsonlSpanProcessor(directory, max_queue_size=spans_count + 1, batch_size=2048)
    start = time.perf_counter()
    for index in range(spans_count):
        processor.on_end(sample[index % len(sample)])
    enqueued = time.perf_counter()
    assert processor.force_flush(600_000)
    done = time.perf_counter()
    stats = processor.stats
    processor.shutdown()
    print(f"\nWriter: {spans_count:,} spans converted and written in {done - start:.2f} s "
          f"= {spans_count / (done - start):,.0f} spans/s (target >= 50,000); "
          f"caller enqueue {1e6 * (enqueued - start) / spans_count:.2f} µs/span; "
          f"written {stats.written_lines:,} lines, lost {stats.lost}")


def rss_over_spans(total: int, directory: str) -> None:
    """RSS at start/middle/end of ``total`` decorated calls through the JSONL processor."""
    provider = TracerProvider()
    provider.add_span_processor(null_processor())
    fl.configure(tracer_provider=provider, offline_store_dir=directory, instrument_langchain=False, max_queue_size=50_000)

    @fl.tool()
    def work(i: int) -> int:
        return i

    @fl.agent()
    def session(n: int) -> int:
        return sum(work(i) for i in range(n))

    marks = {0: rss_mb()}
    done = 0
    start = time.perf_counter()
    with fl.instrument("soak"):  # everything in one trace: nothing may accumulate per trace
        while done < total:
            session(999)
            done += 1000
            if done in (total // 10, total // 2) or done >= total:
                marks[done] = rss_mb()
    fl.force_flush(600)
    elapsed = time.perf_counter() - start
    from fluxloop_otel.config import setup

    jsonl = next(p for f in setup._fanouts.values() for p in f.processors if isinstance(p, FluxLoopJsonlSpanProcessor))
    print(f"\nRSS over {total:,} spans in one trace ({total / elapsed:,.0f} spans/s incl. decorators, "
          f"JSONL lost {jsonl.stats.lost}, max writer lag {jsonl.stats.max_lag_seconds:.2f} s):")
    print("  " + ", ".join(f"{count:,} spans: {mb:.1f} MB" for count, mb in marks.items()))
    base = marks[total // 10]
    print(f"  growth from 10% to 100%: {marks[max(marks)] - base:+.1f} MB (target: flat)")
    fl.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and spans")
    args = parser.parse_args()
    rounds, calls = (5, 5000) if args.quick else (15, 20000)
    with tempfile.TemporaryDirectory() as tmp:
        decorator_costs(rounds, calls, tmp + "/decorators")
        writer_throughput(100_000 if args.quick else 300_000, tmp + "/writer")
        rss_over_spans(100_000 if args.quick else 1_000_000, tmp + "/rss")


if __name__ == "__main__":
    main()
