"""Instruction counts per decorated call (valgrind/callgrind): ratios that do not drift.

    python bench/instructions.py [--calls 2000]

Wall-clock ratios on a shared 2-core machine move by 20% between runs; instruction counts
are repeatable. Each variant runs once under callgrind, counting only its measured calls (see
``_callgrind.py``): the cost of one call on the calling thread, and separately on fluxloop-otel's
JSONL writer thread (every call starts a trace here, so the writer writes an observation and a
trace line per call).

Variants are those of bench/decorators.py: (b) is ``tracer.start_as_current_span`` with three
``set_attribute`` calls on a provider with a do-nothing exporter; "(b) + JSONL" is (b) on the
provider that also carries fluxloop-otel's JSONL processor; the decorators run on that provider.
"SDK floor" sets, by hand, the attributes the ``@tool`` span carries (the semantic-convention
mapping: GenAI, OpenInference and the FluxLoop marker) on that provider: what the OpenTelemetry
SDK alone charges for them, before any work of fluxloop-otel's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from _callgrind import count_writer_drains, require_valgrind, run_counted, thread_totals

VARIANTS = {
    "b": "(b) bare span + 3 set_attribute",
    "b_jsonl": "(b) on the provider with the JSONL processor",
    "sdk_floor": "SDK floor: the @tool span's attributes by hand",
    "agent": "@agent (JSONL on, content on)",
    "tool": "@tool (JSONL on, content on)",
    "agent_nocontent": "@agent (JSONL on, content off)",
    "tool_nocontent": "@tool (JSONL on, content off)",
}
QUESTION = "what is the capital of France?"


def plain(query: str, limit: int = 1) -> str:
    return query


def tool_span_attributes() -> tuple[str, dict, dict]:
    """Name, start and end attributes of the span ``@tool`` records for one call of :func:`plain`."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import fluxloop_otel as fl

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fl.configure(tracer_provider=provider, offline_store_enabled=False)
    fl.tool()(plain)(QUESTION)
    span = exporter.get_finished_spans()[0]
    ending = {"output.value", "output.mime_type", "gen_ai.tool.call.result"}
    attributes = dict(span.attributes or {})
    start = {k: v for k, v in attributes.items() if k not in ending}
    return span.name, start, {k: v for k, v in attributes.items() if k in ending}


def sdk_floor(tracer, name: str, start: dict, end: dict):
    """The same span by hand: start with the start attributes, make it current, set the end ones, end."""
    from opentelemetry import context, trace

    def by_hand(query: str, limit: int = 1) -> str:
        span = tracer.start_span(name, attributes=dict(start))
        token = context.attach(trace.set_span_in_context(span))
        context.detach(token)
        span.set_attributes(end)
        span.end()
        return query

    return by_hand


def worker(variant: str, calls: int) -> None:
    """Runs inside valgrind: set up, warm up, then ``calls`` counted calls of one variant."""
    from _harness import bare_span, bench_meter_provider, null_processor
    from opentelemetry.sdk.trace import TracerProvider

    import fluxloop_otel as fl

    floor = tool_span_attributes() if variant == "sdk_floor" else None
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
    if floor is not None:
        function = sdk_floor(provider.get_tracer("bench"), *floor)
    elif variant.startswith("b"):
        function = bare_span((bare_provider if variant == "b" else provider).get_tracer("bench"))
    else:
        function = (fl.agent() if variant.startswith("agent") else fl.tool())(plain)
    for _ in range(300):
        function(QUESTION)
    fl.force_flush()
    count_writer_drains()  # from here on: the warm-up's lines are written
    run_counted(lambda: function(QUESTION), calls)
    fl.force_flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--worker", nargs=2, metavar=("VARIANT", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    require_valgrind()
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for variant, label in VARIANTS.items():
            totals = thread_totals([sys.executable, __file__, "--worker", variant, str(args.calls)], workdir, variant)
            results[variant] = (totals[0] / args.calls, sum(totals[1:]) / args.calls)
            print(f"  measured {label}", file=sys.stderr, flush=True)
    base = results["b"][0]
    print(f"\nInstructions per call (callgrind, {args.calls} calls; ratios against (b) on the calling thread)")
    print(f"{'variant':<50}{'caller':>10}{'ratio':>8}{'writer':>10}{'caller+writer':>15}")
    for variant, (caller, writer) in results.items():
        print(f"{VARIANTS[variant]:<50}{caller:>10,.0f}{caller / base:>7.2f}x{writer:>10,.0f}"
              f"{(caller + writer) / base:>14.2f}x")
    print("Targets for @tool, content on: caller <= 1.30x, caller + writer <= 1.60x")


if __name__ == "__main__":
    main()
