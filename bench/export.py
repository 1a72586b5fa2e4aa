"""OTLP export and ``convert`` benchmarks.

    python bench/export.py [--quick] [--no-phoenix] [--instructions] [--convert-spans N]

1. Spans through the OTLP/HTTP exporter (fluxloop-otel's BatchSpanProcessor: the SDK's, with the
   failure guard) to a loopback OTLP sink and to a local Phoenix, each **with and without** the
   FluxLoop JSONL processor on the same provider. Reported: caller-thread CPU and wall time per
   span (interleaved rounds, medians; target: adding the JSONL processor raises caller CPU per
   span by at most 10%) and end-to-end spans/s (create N spans, then flush to the backend).
   CPU time on a shared 2-core machine moves with the neighbours' load, so ``--instructions``
   also counts the caller thread's instructions per span under callgrind, which does not.
2. ``fluxloop-otel convert`` on an OTLP/JSON file of N spans (default 1,000,000, written once to
   .cache/bench/): records/s and the converting process's peak RSS.

Phoenix comes from the test suite's pinned venv (.cache/phoenix-venv; installed if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPOSITORY / "tests"))  # support: the loopback sink and the Phoenix launcher
from _harness import Cost, interleaved, per_call, print_table  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

from fluxloop_otel.export.fanout import FanOutSpanProcessor  # noqa: E402
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor  # noqa: E402
from fluxloop_otel.export.otlp import build_otlp_exporter, guarded_batch_processor  # noqa: E402

CACHE = REPOSITORY / ".cache" / "bench"
INPUT = json.dumps({"question": "What is the capital of France?", "limit": 3})


class Pipeline:
    """A provider exporting over OTLP/HTTP to ``endpoint``, optionally also writing FluxLoop JSONL:
    one fan-out processor holding them, as ``configure()`` arranges it."""

    def __init__(self, endpoint: str, jsonl_directory: str | None) -> None:
        self.provider = TracerProvider()
        self.otlp = guarded_batch_processor(build_otlp_exporter("http/protobuf", endpoint))
        self.jsonl = None
        if jsonl_directory is not None:
            self.jsonl = FluxLoopJsonlSpanProcessor(jsonl_directory, max_queue_size=2_000_000)
        self.provider.add_span_processor(FanOutSpanProcessor([p for p in (self.jsonl, self.otlp) if p is not None]))
        self.tracer = self.provider.get_tracer("bench.export")

    def span(self) -> None:
        """One span shaped like a fluxloop-otel tool call."""
        with self.tracer.start_as_current_span("execute_tool lookup") as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", "lookup")
            span.set_attribute("fluxloop.observation.type", "tool")
            span.set_attribute("openinference.span.kind", "TOOL")
            span.set_attribute("input.value", INPUT)
            span.set_attribute("input.mime_type", "application/json")
            span.set_attribute("output.value", "Paris")

    def flush(self) -> None:
        self.provider.force_flush(120_000)

    def close(self) -> None:
        self.provider.shutdown()


class SinkProcess:
    """The loopback OTLP/HTTP sink of the tests, in its own process (it must not share our GIL)."""

    def __init__(self) -> None:
        script = REPOSITORY / "tests" / "support" / "otlp_servers.py"
        self.process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        port = int(self.process.stdout.readline())  # type: ignore[union-attr]
        self.endpoint = f"http://127.0.0.1:{port}"

    def count(self) -> int:
        """Spans the sink received so far."""
        import urllib.request

        with urllib.request.urlopen(f"{self.endpoint}/count", timeout=10) as response:
            return int(response.read())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _environment_for_benchmark() -> None:
    # a queue large enough that end-to-end throughput counts every span (none dropped)
    os.environ.setdefault("OTEL_BSP_MAX_QUEUE_SIZE", "200000")
    os.environ.setdefault("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512")
    os.environ.setdefault("OTEL_BSP_SCHEDULE_DELAY", "200")


def caller_costs(title: str, endpoint: str, rounds: int, calls: int, workdir: str) -> dict[str, Cost]:
    pipelines = {
        "OTLP/HTTP": Pipeline(endpoint, None),
        "OTLP/HTTP + FluxLoop JSONL": Pipeline(endpoint, os.path.join(workdir, title)),
    }

    def variant(pipeline: Pipeline) -> Callable[[int], Cost]:
        def run(n: int) -> Cost:
            cost = per_call(pipeline.span, n)
            pipeline.flush()  # export outside the measured window, so rounds start alike
            return cost

        return run

    try:
        for pipeline in pipelines.values():  # warm up: connections, imports, files
            for _ in range(2000):
                pipeline.span()
            pipeline.flush()
        results = interleaved({name: variant(p) for name, p in pipelines.items()}, rounds, calls)
    finally:
        for pipeline in pipelines.values():
            pipeline.close()
    print_table(f"{title}: per span on the caller's thread", results, "OTLP/HTTP", {"OTLP/HTTP + FluxLoop JSONL": 1.10})
    return results


def throughput(title: str, endpoint: str, spans: int, rounds: int, workdir: str) -> None:
    """Create ``spans`` spans and flush them to the backend; alternating variants, median spans/s."""
    print(f"\n{title}: end to end ({spans:,} spans created, then flushed; median of {rounds})")
    print(f"{'variant':<44}{'spans/s':>12}{'delivered':>12}")
    rates: dict[str, list[float]] = {"OTLP/HTTP": [], "OTLP/HTTP + FluxLoop JSONL": []}
    delivered: dict[str, int] = dict.fromkeys(rates, 0)
    for round_index in range(rounds):
        for name in (list(rates) if round_index % 2 == 0 else list(rates)[::-1]):
            jsonl = os.path.join(workdir, f"{title}-{round_index}") if "JSONL" in name else None
            pipeline = Pipeline(endpoint, jsonl)
            started = time.perf_counter()
            for _ in range(spans):
                pipeline.span()
            pipeline.flush()
            if pipeline.jsonl is not None:
                pipeline.jsonl.force_flush(120_000)
            rates[name].append(spans / (time.perf_counter() - started))
            delivered[name] += pipeline.otlp.guard.stats.exported_spans
            pipeline.close()
    for name, values in rates.items():
        print(f"{name:<44}{statistics.median(values):>12,.0f}{delivered[name]:>12,}")


# -- convert ------------------------------------------------------------------------------------
def otlp_json_file(path: Path, spans: int) -> None:
    """An OTLP/JSON lines file of ``spans`` spans: 100-trace template batches (the sample agent's
    shape, encoded by the official encoder) repeated with fresh trace ids."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import fluxloop_otel as fl
    from fluxloop_otel.export.otlp_json.encode import encode_spans_json

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with tempfile.TemporaryDirectory() as scratch:
        fl.configure(tracer_provider=provider, offline_store_dir=scratch, instrument_langchain=False)

        @fl.retrieval(data_source="kb")
        def search(query: str) -> list[dict[str, object]]:
            return [{"id": "d1", "content": "Paris is the capital of France.", "score": 0.8}]

        @fl.tool
        def lookup(key: str) -> str:
            return "Paris"

        @fl.prompt(model="gpt-test")
        def generate(question: str) -> dict[str, object]:
            return {"content": "Paris", "usage": {"prompt_tokens": 20, "completion_tokens": 3}}

        @fl.agent
        def agent(question: str) -> str:
            search(question)
            lookup("capital")
            return generate(question)["content"]

        for index in range(100):
            with fl.instrument(f"run-{index}"):
                agent("What is the capital of France?")
        fl.shutdown()
    finished = list(memory.get_finished_spans())
    provider.shutdown()
    template = encode_spans_json(finished)
    trace_ids = sorted(set(re.findall(r'"traceId":"([0-9a-f]{32})"', template)))
    # a trace id appears as itself, as the UUID in fluxloop.trace.id, and (low 64 bits) as the span
    # id of its instrument() root: all three change together, so the copies stay well-formed
    def forms(trace_id: str) -> list[str]:
        return [trace_id, str(uuid.UUID(hex=trace_id)), trace_id[16:]]

    pattern = re.compile("|".join(form for trace_id in trace_ids for form in forms(trace_id)))
    rng = random.Random(1)
    copies = -(-spans // len(finished))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".tmp"), "w") as handle:
        for _ in range(copies):
            fresh: dict[str, str] = {}
            for trace_id in trace_ids:
                fresh.update(zip(forms(trace_id), forms(f"{rng.getrandbits(128):032x}")))
            handle.write(pattern.sub(lambda match: fresh[match.group(0)], template) + "\n")  # noqa: B023 - used at once
    path.with_suffix(".tmp").rename(path)
    print(f"wrote {path} ({copies * len(finished):,} spans, {path.stat().st_size / 2**30:.2f} GiB)")


# VmHWM is this process's own peak RSS (ru_maxrss would include the forking parent's).
_MEASURED_CONVERT = (
    "import re, sys; from fluxloop_otel.cli.main import main; code = main(sys.argv[1:]); "
    "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr); sys.exit(code)"
)


def convert_benchmark(spans: int, experiment: bool) -> None:
    """``fluxloop-otel convert`` in its own process: records/s and that process's peak RSS."""
    source = CACHE / f"otlp-v2-{spans}.json"
    if not source.exists():
        otlp_json_file(source, spans)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-c", _MEASURED_CONVERT, "convert", str(source), "-o", out, "-q"]
        if experiment:
            command += ["--experiment", os.path.join(out, "exp")]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"convert failed: {done.stderr}")
        peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
        records = sum(1 for name in ("observations.jsonl", "traces.jsonl") for _ in open(os.path.join(out, name), "rb"))
    label = "convert + experiment dir" if experiment else "convert"
    print(
        f"{label:<26} {source.stat().st_size / 2**30:.2f} GiB input, {records:,} records in {elapsed:,.1f} s: "
        f"{records / elapsed:,.0f} records/s, {spans / elapsed:,.0f} spans/s, peak RSS {peak_mb:,.0f} MiB"
    )


def processor_on_end_cost(calls: int = 200_000) -> None:
    """The JSONL processor's own work on the caller's thread: ``on_end`` of a finished span through
    the fan-out processor, without and with it (no export, nothing else running)."""
    provider = TracerProvider()
    with provider.get_tracer("bench").start_as_current_span("span") as span:
        pass
    with tempfile.TemporaryDirectory() as directory:
        jsonl = FluxLoopJsonlSpanProcessor(directory, max_queue_size=calls + 1, batch_size=calls + 1, flush_interval=3600)
        costs = {}
        for name, fanout in (("fan-out, empty", FanOutSpanProcessor([])), ("fan-out + FluxLoop JSONL", FanOutSpanProcessor([jsonl]))):
            costs[name] = per_call(lambda fanout=fanout: (fanout.on_start(span), fanout.on_end(span)), calls)
        jsonl.shutdown()
    extra = costs["fan-out + FluxLoop JSONL"].cpu_us - costs["fan-out, empty"].cpu_us
    print(f"\nJSONL processor on the caller's thread (on_start + on_end of one span): {extra:.2f} µs per span")


def _child(variant: str, endpoint: str, spans: int) -> None:
    """Run inside callgrind: create ``spans`` spans on one pipeline, flush, exit."""
    with tempfile.TemporaryDirectory() as directory:
        pipeline = Pipeline(endpoint, directory if variant == "jsonl" else None)
        for _ in range(spans):
            pipeline.span()
        pipeline.flush()
        pipeline.close()


def caller_instructions(endpoint: str, sizes: tuple[int, int] = (1_000, 6_000)) -> None:
    """Instructions executed by the caller's thread per span (callgrind, one output file per thread):
    the difference between two run lengths, so start-up and imports cancel out. Unlike CPU time,
    this does not depend on what else runs on the machine."""
    import glob
    import shutil

    if shutil.which("valgrind") is None:
        print("\n(valgrind not installed: caller-thread instruction counts skipped)")
        return
    counts: dict[str, dict[int, int]] = {"otlp": {}, "jsonl": {}}
    with tempfile.TemporaryDirectory() as out:
        for variant in counts:
            for spans in sizes:
                prefix = os.path.join(out, f"{variant}-{spans}")
                subprocess.run(
                    ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={prefix}.%p",
                     sys.executable, __file__, "--child", variant, endpoint, str(spans)],
                    check=True, capture_output=True,
                )  # fmt: skip
                main_thread = [f for f in glob.glob(f"{prefix}.*") if f.endswith("-01")]
                counts[variant][spans] = _instructions(main_thread[0])
    per_span = {variant: (c[sizes[1]] - c[sizes[0]]) / (sizes[1] - sizes[0]) for variant, c in counts.items()}
    ratio = per_span["jsonl"] / per_span["otlp"]
    print("\ncaller thread, instructions per span (callgrind)")
    print(f"{'OTLP/HTTP':<44}{per_span['otlp']:>14,.0f}")
    print(f"{'OTLP/HTTP + FluxLoop JSONL':<44}{per_span['jsonl']:>14,.0f}{ratio:>7.3f}x  <= 1.10x {'OK' if ratio <= 1.10 else 'MISSED'}")


def _instructions(path: str) -> int:
    with open(path) as handle:
        for line in handle:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise ValueError(f"no totals in {path}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and spans (smoke run)")
    parser.add_argument("--no-phoenix", action="store_true", help="skip the Phoenix destination")
    parser.add_argument("--convert-spans", type=int, default=1_000_000, help="spans in the convert input (default 1,000,000)")
    parser.add_argument("--instructions", action="store_true", help="also count caller-thread instructions per span under callgrind (slow)")
    args = parser.parse_args()
    _environment_for_benchmark()
    rounds, calls, total = (3, 2000, 20_000) if args.quick else (9, 10_000, 100_000)

    with tempfile.TemporaryDirectory() as workdir:
        sink = SinkProcess()
        try:
            caller_costs("loopback OTLP sink", sink.endpoint, rounds, calls, workdir)
            if args.instructions:
                caller_instructions(sink.endpoint)
            throughput("loopback OTLP sink", sink.endpoint, total, 3, workdir)
            print(f"(the sink process received {sink.count():,} spans in all)")
        finally:
            sink.close()
        if not args.no_phoenix:
            from support.phoenix_server import install, start

            # Phoenix answers 503 once 20,000 spans wait for its database: let it queue them all
            phoenix = start(install(), Path(tempfile.mkdtemp(prefix="bench-phoenix-")), PHOENIX_MAX_SPANS_QUEUE_SIZE="2000000")
            try:
                caller_costs("Phoenix 20.26.1", phoenix.http_traces_endpoint, rounds, calls, workdir)
                throughput("Phoenix 20.26.1", phoenix.http_traces_endpoint, total, 3, workdir)
            finally:
                phoenix.stop()

    processor_on_end_cost()
    print()
    spans = 20_000 if args.quick else args.convert_spans
    convert_benchmark(spans, experiment=False)
    convert_benchmark(spans, experiment=True)


if __name__ == "__main__":
    main()
