"""Per-invoke cost of LangChain / LangGraph tracing: uninstrumented vs fluxloop-otel vs the
OpenInference and OpenLLMetry LangChain instrumentors, measured side by side in one run.

    python bench/langchain.py [--quick] [--no-peers]
    python bench/langchain.py --instructions [CALLS]   # callgrind: floor vs fluxloop-otel, all threads

Workloads (fake models, no network): ``prompt | GenericFakeChatModel | StrOutputParser``,
a two-node LangGraph ``StateGraph``, a retriever returning 3 documents and a tool invoke.

``--instructions`` counts, per invoke, the instructions of the calling thread plus the JSONL
writer thread (see ``_callgrind.py``) for: uninstrumented, the floor, "floor + the same
attributes" (the floor's spans carrying the attributes fluxloop-otel records for the same runs:
what the OpenTelemetry SDK alone charges for them) and fluxloop-otel. About 20 valgrind runs
of 1-3 minutes each.

* fluxloop-otel runs with the FluxLoop JSONL processor attached (content capture on) on a
  TracerProvider that also has a do-nothing exporter; each timed batch ends with a
  ``force_flush()``, so the wall-clock figure includes the JSONL writer's work. The same
  without the JSONL processor is shown too: the difference is what the writer thread,
  converting spans next to the traced program, costs it.
* The peers get the same kind of provider (do-nothing exporter, no JSONL).
* ``floor`` is the least any callback-based LangChain tracer can cost: a minimal handler,
  added to every callback manager the same way, that opens one span per run (parented by
  ``parent_run_id``) with no attributes, no content and no context propagation, on the
  same provider. A target below the floor's ratio cannot be met by recording spans through
  LangChain's callbacks and the OpenTelemetry SDK.
* Each variant runs in its own worker process (instrumented once, as an application
  would be); the parent asks one worker at a time for a timed batch, rotating the order
  every round; medians of caller-thread CPU and wall time; spans per invoke.

The peers are never dependencies of the package: on first use the script creates
``.cache/bench-venv`` (``pip install -c constraints.txt -e .[langchain]`` plus the two
peers, pinned below) and re-runs itself there. ``--no-peers`` measures fluxloop-otel only.
Targets (issue 3), on caller CPU: <= 1.3x on the graph, <= 1.5x on the chain and the
retriever, and below both peers on every workload.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _harness import Cost, bench_meter_provider, interleaved, print_table  # noqa: E402

BENCH_VENV = ROOT / ".cache" / "bench-venv"
PEERS = ("openinference-instrumentation-langchain==0.1.80", "opentelemetry-instrumentation-langchain==0.62.4")
TARGETS = {"graph": 1.3, "chain": 1.5, "retriever": 1.5, "tool": 1.5}
FLUXLOOP = "fluxloop-otel (+ JSONL)"
FLUXLOOP_BARE = "fluxloop-otel (no JSONL)"
FLOOR = "floor: bare spans"
FLOOR_ATTRIBUTES = "floor + the same attributes"
OPENINFERENCE = "OpenInference"
OPENLLMETRY = "OpenLLMetry"


# -- environment ------------------------------------------------------------------------------------
def peers_importable() -> bool:
    try:
        import openinference.instrumentation.langchain  # noqa: F401
        import opentelemetry.instrumentation.langchain  # noqa: F401
    except ImportError:
        return False
    return True


def run_in_bench_venv(argv: Sequence[str]) -> int:
    """Create .cache/bench-venv if needed and run this script there."""
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {BENCH_VENV} (once): the project + {', '.join(PEERS)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run(
            [*pip, "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[langchain]", *PEERS], check=True
        )
    return subprocess.run([str(python), __file__, *argv]).returncode


# -- workloads --------------------------------------------------------------------------------------
def workloads() -> dict[str, Callable[[], Any]]:
    from langchain_core.documents import Document
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.retrievers import BaseRetriever
    from langgraph.graph import END, START, MessagesState, StateGraph

    model = GenericFakeChatModel(messages=itertools.repeat(AIMessage("Paris is the capital of France.")))
    chain = (
        ChatPromptTemplate.from_messages([("system", "You are terse."), ("human", "{question}")])
        | model
        | StrOutputParser()
    )

    graph = StateGraph(MessagesState)
    graph.add_node("plan", lambda state: {"messages": [AIMessage("Look it up.")]})
    graph.add_node("answer", lambda state: {"messages": [AIMessage("Paris.")]})
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "answer")
    graph.add_edge("answer", END)
    app = graph.compile()

    class ThreeDocuments(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [
                Document(
                    page_content=f"Document {i} about {query}",
                    metadata={"source": f"atlas-{i}", "score": 0.9 - i / 10},
                    id=f"doc-{i}",
                )
                for i in range(3)
            ]

    retriever = ThreeDocuments()

    from langchain_core.tools import tool

    @tool
    def lookup(city: str, limit: int = 3) -> str:
        """Look a city up."""
        return f"{city}: capital of France"

    question = {"question": "What is the capital of France?"}
    messages = {"messages": [HumanMessage("What is the capital of France?")]}
    return {
        "chain": lambda: chain.invoke(question),
        "graph": lambda: app.invoke(messages),
        "retriever": lambda: retriever.invoke("capital of France"),
        "tool": lambda: lookup.invoke({"city": "Paris", "limit": 2}),
    }


# -- variants: one worker process each -----------------------------------------------------------------
class CountingExporter:
    """A do-nothing span exporter that counts."""

    def __init__(self) -> None:
        self.count = 0

    def export(self, spans: Sequence[Any]) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        self.count += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def provider_with(exporter: CountingExporter) -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[arg-type]
    return provider


def captured_attributes(workload: str) -> list[dict[str, Any]]:
    """The attributes of the spans fluxloop-otel records for one invoke of ``workload``, in start
    order (its LangChain instrumentor on a throw-away provider, uninstrumented afterwards)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = LangChainInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    fn = workloads()[workload]
    fn()
    exporter.clear()
    fn()
    instrumentor.uninstrument()
    spans = sorted(exporter.get_finished_spans(), key=lambda span: span.start_time or 0)
    return [dict(span.attributes or {}) for span in spans]


def install_floor_handler(provider: Any, attributes: list[dict[str, Any]] | None = None) -> None:
    """The ``floor`` variant: one attribute-less span per LangChain run, nothing else.

    With ``attributes`` (the "floor + attributes" variant): the k-th span an invoke opens gets the
    attributes of the k-th span fluxloop-otel records for it, set at its start: what the SDK alone
    charges for the attributes both conventions define, on top of the floor."""
    import wrapt
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.callbacks.base import BaseCallbackManager
    from opentelemetry import trace

    tracer = provider.get_tracer("bench.floor")
    spans: dict[Any, Any] = {}
    started = [0]  # spans opened in the current invoke

    def start(run_id: Any, parent_run_id: Any, name: str) -> None:
        parent = spans.get(parent_run_id)
        context = trace.set_span_in_context(parent) if parent is not None else None
        if parent is None:
            started[0] = 0  # a new invoke: attributes from its first span on
        fixed = attributes[started[0] % len(attributes)] if attributes else None
        started[0] += 1
        spans[run_id] = tracer.start_span(name, context=context, attributes=dict(fixed) if fixed else None)

    def end(run_id: Any) -> None:
        span = spans.pop(run_id, None)
        if span is not None:
            span.end()

    class BareSpans(BaseCallbackHandler):
        run_inline = True

        def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: Any, parent_run_id: Any = None, **kw: Any) -> None:
            start(run_id, parent_run_id, "chain")

        def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: Any, parent_run_id: Any = None, **kw: Any) -> None:
            start(run_id, parent_run_id, "chat")

        def on_retriever_start(self, serialized: Any, query: Any, *, run_id: Any, parent_run_id: Any = None, **kw: Any) -> None:
            start(run_id, parent_run_id, "retrieval")

        def on_tool_start(self, serialized: Any, input_str: Any, *, run_id: Any, parent_run_id: Any = None, **kw: Any) -> None:
            start(run_id, parent_run_id, "tool")

        def on_tool_end(self, output: Any, *, run_id: Any, **kw: Any) -> None:
            end(run_id)

        def on_chain_end(self, outputs: Any, *, run_id: Any, **kw: Any) -> None:
            end(run_id)

        def on_llm_end(self, response: Any, *, run_id: Any, **kw: Any) -> None:
            end(run_id)

        def on_retriever_end(self, documents: Any, *, run_id: Any, **kw: Any) -> None:
            end(run_id)

        on_chain_error = on_llm_error = on_retriever_error = on_tool_error = lambda self, error, *, run_id, **kw: end(run_id)

    handler = BareSpans()

    def add_once(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> None:
        wrapped(*args, **kwargs)
        if handler not in instance.inheritable_handlers and handler not in instance.handlers:
            instance.add_handler(handler, True)

    wrapt.wrap_function_wrapper(BaseCallbackManager, "__init__", add_once)


def set_up(
    variant: str, directory: str, workload: str | None = None
) -> tuple[CountingExporter | None, Callable[[], Any] | None]:
    """Instrument this process as ``variant``; the span counter and the flush to time with the calls."""
    if variant == "uninstrumented":
        return None, None
    exporter = CountingExporter()
    provider = provider_with(exporter)
    if variant in (FLUXLOOP, FLUXLOOP_BARE):
        import fluxloop_otel

        # the ordinary configure() path: JSONL processor attached, LangChain instrumented
        jsonl = variant == FLUXLOOP
        fluxloop_otel.configure(
            tracer_provider=provider, offline_store_dir=directory, offline_store_enabled=jsonl, max_queue_size=200_000,
            meter_provider=bench_meter_provider(),  # FLUXLOOP_BENCH_METRICS=1: metrics on
        )
        return exporter, (lambda: fluxloop_otel.force_flush(60)) if jsonl else None
    if variant == FLOOR:
        install_floor_handler(provider)
        return exporter, None
    if variant == FLOOR_ATTRIBUTES:
        install_floor_handler(provider, captured_attributes(workload or "chain"))
        return exporter, None
    if variant == OPENINFERENCE:
        from openinference.instrumentation.langchain import LangChainInstrumentor

        LangChainInstrumentor().instrument(tracer_provider=provider)
    elif variant == OPENLLMETRY:
        from opentelemetry.instrumentation.langchain import LangchainInstrumentor

        LangchainInstrumentor().instrument(tracer_provider=provider)
    return exporter, None


def worker(variant: str) -> int:
    """Serve timing requests (``workload calls warmup`` per line) for one variant, one at a time.

    Each variant lives in its own process: some instrumentors leave state behind after
    ``uninstrument()``, which would skew whatever is measured after them in one process.
    """
    import json
    import warnings

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as directory:
        exporter, flush = set_up(variant, directory)
        runs = workloads()
        for line in sys.stdin:
            workload, calls, warmup = line.split()
            fn = runs[workload]
            for _ in range(int(warmup)):
                fn()
            if flush:
                flush()
            before = exporter.count if exporter else 0
            gc.collect()
            gc.disable()
            wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
            for _ in range(int(calls)):
                fn()
            if flush:
                flush()
            cpu_end, wall_end = time.thread_time_ns(), time.perf_counter_ns()
            gc.enable()
            spans = (exporter.count - before) / int(calls) if exporter else 0.0
            n = int(calls)
            print(
                json.dumps(
                    {"wall": (wall_end - wall) / n / 1000, "cpu": (cpu_end - cpu) / n / 1000, "spans": spans}
                ),
                flush=True,
            )
    return 0


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, variant: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", variant],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.spans: list[float] = []

    def measure(self, workload: str, calls: int) -> Cost:
        import json

        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{workload} {calls} {max(calls // 10, 5)}\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        self.spans.append(reply["spans"])
        return Cost(reply["wall"], reply["cpu"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


# -- instruction counts (callgrind) -------------------------------------------------------------------
INSTRUCTION_VARIANTS = ("uninstrumented", FLOOR, FLOOR_ATTRIBUTES, FLUXLOOP)
INSTRUCTION_WORKLOADS = ("chain", "tool", "retriever", "graph")


def callgrind_worker(variant: str, workload: str, calls: int) -> int:
    """Runs inside valgrind: set up ``variant``, warm up, then ``calls`` counted invokes and a flush."""
    import warnings

    from _callgrind import count_writer_drains, run_counted

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as directory:
        _, flush = set_up(variant, directory, workload)
        fn = workloads()[workload]
        for _ in range(30):
            fn()
        if flush:
            flush()
            count_writer_drains()  # from here on (the warm-up's lines are written)
        run_counted(fn, calls)
        if flush:
            flush()
    return 0


def instructions(calls: int) -> int:
    """Instructions per invoke over all threads, for every workload: the floor and fluxloop-otel side by side."""
    from _callgrind import require_valgrind, thread_totals

    require_valgrind()
    table: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for workload in INSTRUCTION_WORKLOADS:
            for variant in INSTRUCTION_VARIANTS:
                label = f"{workload}.{variant.split()[0].strip(':')}"
                totals = thread_totals(
                    [sys.executable, __file__, "--callgrind-worker", variant, workload, str(calls)], workdir, label
                )
                table.setdefault(workload, {})[variant] = (totals[0] / calls, sum(totals[1:]) / calls)
                print(f"  measured {workload} / {variant}", file=sys.stderr, flush=True)
    print(f"\nInstructions per invoke (callgrind, {calls} invokes after 30 warm-up ones; fluxloop-otel: caller + JSONL writer)")
    print(f"{'workload':<11}{'uninstr.':>11}{'floor':>11}{'floor+attrs':>13}{'fluxloop-otel':>15}{'(writer)':>10}"
          f"{'vs floor':>10}{'attrs vs floor':>16}{'vs uninstr.':>13}")
    for workload, row in table.items():
        base, floor, with_attributes = sum(row["uninstrumented"]), sum(row[FLOOR]), sum(row[FLOOR_ATTRIBUTES])
        caller, writer = row[FLUXLOOP]
        ours = caller + writer
        print(f"{workload:<11}{base:>11,.0f}{floor:>11,.0f}{with_attributes:>13,.0f}{ours:>15,.0f}{writer:>10,.0f}"
              f"{ours / floor:>9.2f}x{with_attributes / floor:>15.2f}x{ours / base:>12.2f}x")
    print("Target: fluxloop-otel within 1.30x of the floor on every workload. 'attrs vs floor': the floor's")
    print("spans carrying fluxloop-otel's attributes, no other work: what the SDK alone charges for them.")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    parser.add_argument("--no-peers", action="store_true", help="fluxloop-otel vs uninstrumented only")
    parser.add_argument(
        "--instructions", type=int, nargs="?", const=200, metavar="CALLS",
        help="instruction counts under callgrind instead of wall time (floor vs fluxloop-otel)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--callgrind-worker", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        return worker(options.worker)
    if options.callgrind_worker:
        variant, workload, calls = options.callgrind_worker
        return callgrind_worker(variant, workload, int(calls))
    if options.instructions:
        return instructions(options.instructions)
    if not options.no_peers and not peers_importable():
        return run_in_bench_venv(argv)

    rounds = 5 if options.quick else 15
    calls = (
        {"chain": 60, "graph": 50, "retriever": 300, "tool": 300}
        if options.quick
        else {"chain": 200, "graph": 150, "retriever": 1000, "tool": 1000}
    )
    names = ["uninstrumented", FLOOR, FLUXLOOP, FLUXLOOP_BARE] + ([] if options.no_peers else [OPENINFERENCE, OPENLLMETRY])
    workers = {name: Worker(name) for name in names}
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; one process per variant, "
        f"{rounds} interleaved rounds per workload; medians"
    )
    summary: dict[str, dict[str, float]] = {}
    try:
        for workload in ("chain", "graph", "retriever", "tool"):
            for handle in workers.values():
                handle.spans.clear()
            measure = {
                name: (lambda n, h=handle, w=workload: h.measure(w, n)) for name, handle in workers.items()
            }
            results = interleaved(measure, rounds, calls[workload])
            print_table(
                f"{workload} (µs per invoke)", results, "uninstrumented", {FLUXLOOP: TARGETS[workload]}
            )
            spans = {name: max(h.spans) for name, h in workers.items() if name != "uninstrumented"}
            print("spans per invoke: " + ", ".join(f"{name} {count:.1f}" for name, count in spans.items()))
            base = results["uninstrumented"].cpu_us
            summary[workload] = {
                name: cost.cpu_us / base for name, cost in results.items() if name != "uninstrumented"
            }
    finally:
        for handle in workers.values():
            handle.close()
    print("\nratios to uninstrumented (caller CPU), side by side:")
    others = names[1:]
    print(f"{'workload':<12}" + "".join(f"{name:>26}" for name in others))
    for workload, ratios in summary.items():
        print(f"{workload:<12}" + "".join(f"{ratios[name]:>25.2f}x" for name in others))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
