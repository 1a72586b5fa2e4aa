"""Instruction counts per decorated call (valgrind/callgrind): ratios that do not drift.

    python bench/instructions.py [--calls 2000]

Wall-clock ratios on a shared 2-core machine move by 20% between runs; instruction counts
are repeatable. Each variant runs twice under callgrind (0 and N calls after the same
warm-up), per thread; the difference divided by N is the cost of one call on the calling
thread, and separately on fluxloop-otel's JSONL writer thread.

Variants are those of bench/decorators.py: (b) is ``tracer.start_as_current_span`` with three
``set_attribute`` calls on a provider with a do-nothing exporter; "(b) + JSONL" is (b) on the
provider that also carries fluxloop-otel's JSONL processor; the decorators run on that provider.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

VARIANTS = {
    "b": "(b) bare span + 3 set_attribute",
    "b_jsonl": "(b) on the provider with the JSONL processor",
    "agent": "@agent (JSONL on, content on)",
    "tool": "@tool (JSONL on, content on)",
    "agent_nocontent": "@agent (JSONL on, content off)",
    "tool_nocontent": "@tool (JSONL on, content off)",
}


def worker(variant: str, calls: int) -> None:
    """Runs inside valgrind: warm up, then ``calls`` calls of one variant."""
    from _harness import bare_span, bench_meter_provider, null_processor
    from opentelemetry.sdk.trace import TracerProvider

    import fluxloop_otel as fl

    bare_provider = TracerProvider()
    bare_provider.add_span_processor(null_processor())
    provider = TracerProvider()
    provider.add_span_processor(null_processor())
    fl.configure(
        tracer_provider=provider,
        offline_store_dir=tempfile.mkdtemp(),
        capture_content=not variant.endswith("_nocontent"),
        max_queue_size=1_000_000,
        meter_provider=bench_meter_provider(),  # FLUXLOOP_BENCH_METRICS=1: metrics on
    )

    def plain(query: str, limit: int = 1) -> str:
        return query

    functions = {
        "b": bare_span(bare_provider.get_tracer("bench")),
        "b_jsonl": bare_span(provider.get_tracer("bench")),
        "agent": fl.agent()(plain),
        "tool": fl.tool()(plain),
        "agent_nocontent": fl.agent()(plain),
        "tool_nocontent": fl.tool()(plain),
    }
    function = functions[variant]
    for _ in range(300):
        function("what is the capital of France?")
    fl.force_flush()
    for _ in range(calls):
        function("what is the capital of France?")
    fl.force_flush()


def _thread_totals(prefix: str) -> list[int]:
    totals = []
    for path in sorted(glob.glob(prefix + "-*")):
        with open(path) as handle:
            for line in handle:
                if line.startswith("summary:") or line.startswith("totals:"):
                    totals.append(int(line.split()[1]))
                    break
    return totals


def measure(variant: str, calls: int, workdir: str) -> tuple[float, float]:
    """Instructions per call on the calling thread and on the other threads together."""
    runs = []
    for count in (0, calls):
        prefix = os.path.join(workdir, f"{variant}.{count}")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={prefix}",
             sys.executable, __file__, "--worker", variant, str(count)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        runs.append(_thread_totals(prefix))
    main = (runs[1][0] - runs[0][0]) / calls
    others = (sum(runs[1][1:]) - sum(runs[0][1:])) / calls
    return main, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--worker", nargs=2, metavar=("VARIANT", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as workdir:
        results = {}
        for variant in VARIANTS:
            results[variant] = measure(variant, args.calls, workdir)
            print(f"  measured {VARIANTS[variant]}", file=sys.stderr)
    base = results["b"][0]
    print(f"\nInstructions per call (callgrind, {args.calls} calls; ratios against (b) on the calling thread)")
    print(f"{'variant':<46}{'caller thread':>14}{'ratio':>8}{'writer thread':>15}")
    for variant, (main_thread, others) in results.items():
        print(f"{VARIANTS[variant]:<46}{main_thread:>14,.0f}{main_thread / base:>7.2f}x{others:>15,.0f}")


if __name__ == "__main__":
    main()
