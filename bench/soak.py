"""Soak: N spans (default 1,000,000) through fluxloop-otel's decorators into the FluxLoop JSONL
files AND an OTLP exporter pointed at a real local backend, in one process.

    python bench/soak.py [--spans N] [--backend rotel|phoenix|sink] [--protocol http/protobuf|grpc]
                         [--rate SPANS_PER_S] [--threads T] [--json]

The program is a loop of agent requests (``@agent`` -> ``@tool`` + ``@prompt`` with token
usage: 3 spans each) as fast as it can go (or paced at ``--rate``). Reported:

* spans/s: end to end (traced, written to JSONL and acknowledged by the backend, ``force_flush``
  included) and the caller's cost per span;
* dropped: JSONL writer (queue full, write errors, conversion errors) and OTLP (the exporter's
  bounded queue full, failed exports), plus what the backend acknowledged;
* RSS at start (after warm-up), every 10% and at the end: it must stay flat;
* writer lag: the largest delay between a span's end and its line on disk, and the largest
  JSONL queue seen;
* a check that the JSONL files hold exactly one line per span (and one trace line per request).

Backends (loopback only, started and stopped here): ``rotel`` (the rotel OTLP relay with its
blackhole exporter; the binary from the rotel wheel, as the export tests use it), ``phoenix``
(Arize Phoenix from the test suite's pinned venv), ``sink`` (the Python loopback OTLP receiver
of the export tests).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
sys.path.insert(0, str(REPOSITORY / "tests"))  # support: the loopback sink and the Phoenix launcher

import fluxloop_otel as fl  # noqa: E402
from fluxloop_otel.config import setup  # noqa: E402
from fluxloop_otel.export.batch import GuardedBatchSpanProcessor  # noqa: E402
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor  # noqa: E402

ROTEL = REPOSITORY / ".cache" / "rotel" / "rotel" / "rotel-agent"
SPANS_PER_REQUEST = 3


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"backend exited with {process.returncode} before listening on {port}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


# -- backends ------------------------------------------------------------------------------------
@dataclass
class Backend:
    name: str
    endpoint: str
    stop: Callable[[], None]
    received: Callable[[], int | None] = lambda: None


def rotel_binary() -> Path:
    if ROTEL.exists():
        return ROTEL
    try:  # the export tests' downloader (pip download --no-deps rotel)
        from support.rotel import rotel_binary as download  # type: ignore[import-not-found]

        return Path(download())
    except BaseException as exc:  # pytest.skip raises a BaseException
        raise SystemExit(f"rotel is not available ({exc}); use --backend sink or phoenix") from None


def start_rotel(protocol: str, workdir: Path) -> Backend:
    http_port, grpc_port = free_port(), free_port()
    command = [
        str(rotel_binary()), "start",
        "--otlp-grpc-endpoint", f"127.0.0.1:{grpc_port}",
        "--otlp-http-endpoint", f"127.0.0.1:{http_port}",
        "--exporter", "blackhole",
        "--pid-file", str(workdir / "rotel.pid"),
        "--log-file", str(workdir / "rotel.log"),
    ]  # fmt: skip
    log = open(workdir / "rotel.out", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    port = grpc_port if protocol == "grpc" else http_port
    wait_for_port(port, process)

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
        log.close()

    return Backend("rotel (blackhole exporter)", f"http://127.0.0.1:{port}", stop)


def start_phoenix(protocol: str, workdir: Path) -> Backend:
    from support.phoenix_server import install, start  # type: ignore[import-not-found]

    phoenix = start(install(), workdir, PHOENIX_MAX_SPANS_QUEUE_SIZE="2000000")
    endpoint = phoenix.grpc_endpoint if protocol == "grpc" else phoenix.http_traces_endpoint
    return Backend("Phoenix", endpoint, phoenix.stop)


def start_sink(protocol: str, workdir: Path) -> Backend:
    from support.otlp_servers import OtlpGrpcSink, OtlpHttpSink  # type: ignore[import-not-found]

    sink = OtlpGrpcSink() if protocol == "grpc" else OtlpHttpSink()
    return Backend("Python loopback OTLP sink", sink.endpoint, sink.close, lambda: len(sink.spans()))


BACKENDS = {"rotel": start_rotel, "phoenix": start_phoenix, "sink": start_sink}


# -- the traced program --------------------------------------------------------------------------
@fl.tool()
def lookup(query: str, top_k: int = 3) -> list[str]:
    return [f"doc-{i}: about {query}" for i in range(top_k)]


@fl.prompt(model="soak-model", provider="local")
def generate(question: str, documents: list[str]) -> dict[str, Any]:
    return {"content": f"answer to {question}", "usage": {"prompt_tokens": 40, "completion_tokens": 12}}


@fl.agent()
def handle(request_id: int, question: str) -> str:
    documents = lookup(question)
    return generate(question, documents)["content"]


@dataclass
class Sample:
    done_spans: int
    seconds: float
    rss_mb: float
    jsonl_queue: int


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    max_queue: int = 0


def processors() -> tuple[FluxLoopJsonlSpanProcessor, GuardedBatchSpanProcessor | None]:
    found = [p for fanout in setup._fanouts.values() for p in fanout.processors]
    jsonl = next(p for p in found if isinstance(p, FluxLoopJsonlSpanProcessor))
    otlp = next((p for p in found if isinstance(p, GuardedBatchSpanProcessor)), None)
    return jsonl, otlp


def count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"\n")
    return count


def traced_loop(
    requests: int,
    threads: int,
    rate: float | None,
    run: Run,
    jsonl: FluxLoopJsonlSpanProcessor,
    started: float,
) -> float:
    """Run ``requests`` agent requests on ``threads`` threads; returns the callers' CPU seconds.

    A sampler thread records the largest JSONL queue (every 10 ms) and RSS at every 10% of
    the requests."""
    progress = [0] * threads
    cpu = [0.0] * threads

    def worker(index: int, first: int, last: int) -> None:
        cpu_started = time.thread_time()
        pace = (threads / rate * SPANS_PER_REQUEST) if rate else 0.0
        next_at = time.perf_counter()
        for request_id in range(first, last):
            handle(request_id, "What is the capital of France?")
            progress[index] += 1
            if pace:
                next_at += pace
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        cpu[index] = time.thread_time() - cpu_started

    stop = threading.Event()

    def sample() -> None:
        mark = 1
        while True:
            finished = stop.wait(0.01)
            run.max_queue = max(run.max_queue, jsonl._writer.queue_length)
            done = sum(progress)
            while mark <= 10 and done >= requests * mark / 10:
                queue = jsonl._writer.queue_length
                run.samples.append(
                    Sample(done * SPANS_PER_REQUEST, time.perf_counter() - started, rss_mb(), queue)
                )
                mark += 1
            if finished:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    bounds = [requests * t // threads for t in range(threads + 1)]
    workers = [threading.Thread(target=worker, args=(t, bounds[t], bounds[t + 1])) for t in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    sampler.join()
    return sum(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans to produce (default 1,000,000)")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="rotel")
    parser.add_argument("--protocol", choices=["http/protobuf", "grpc"], default="http/protobuf")
    parser.add_argument(
        "--rate", type=float, default=None, help="pace the program at this many spans/s (default: flat out)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads making requests")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--keep", action="store_true", help="keep the JSONL directory")
    args = parser.parse_args()

    requests = max(1, args.spans // SPANS_PER_REQUEST)
    workdir = Path(tempfile.mkdtemp(prefix="fluxloop-soak-"))
    rss_before = rss_mb()
    backend = BACKENDS[args.backend](args.protocol, workdir)
    try:
        fl.configure(
            service_name="fluxloop-soak",
            offline_store_dir=str(workdir / "traces"),
            otlp_endpoint=backend.endpoint,
            otlp_protocol=args.protocol,
            instrument_langchain=False,
        )
        jsonl, otlp = processors()
        warmup = 1000
        for request_id in range(warmup):  # in small bursts: the OTLP queue holds 2,048 spans
            handle(-request_id - 1, "warm-up")
            if request_id % 100 == 99:
                fl.force_flush(60)
        run = Run()
        rss_start = rss_mb()
        started = time.perf_counter()
        caller_cpu = traced_loop(requests, args.threads, args.rate, run, jsonl, started)
        produced_seconds = time.perf_counter() - started
        flush_started = time.perf_counter()
        flushed = fl.force_flush(300)
        flush_seconds = time.perf_counter() - flush_started
        total_seconds = time.perf_counter() - started
        rss_end = rss_mb()
        spans = requests * SPANS_PER_REQUEST
        stats = jsonl.stats
        guard = otlp.guard.stats if otlp is not None else None
        lines = count_lines(workdir / "traces" / "observations.jsonl")
        trace_lines = count_lines(workdir / "traces" / "traces.jsonl")
        received = backend.received()
    finally:
        fl.shutdown(timeout=10)
        backend.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    expected_lines = (requests + warmup) * SPANS_PER_REQUEST
    middle = min(run.samples, key=lambda s: abs(s.done_spans - spans / 2)) if run.samples else None
    figures = {
        "spans": spans,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "backend": f"{backend.name} over {args.protocol}",
        "threads": args.threads,
        "rate_limit": args.rate,
        "produce_seconds": round(produced_seconds, 2),
        "flush_seconds": round(flush_seconds, 2),
        "flushed": flushed,
        "spans_per_second_end_to_end": round(spans / total_seconds),
        "spans_per_second_produced": round(spans / produced_seconds),
        "caller_cpu_us_per_span": round(caller_cpu / spans * 1e6, 1),
        "jsonl_dropped": stats.lost,
        "jsonl_dropped_queue_full": stats.dropped_queue_full,
        "jsonl_dropped_write_error": stats.dropped_write_error,
        "jsonl_lines_expected": expected_lines,
        "jsonl_lines_written": lines,
        "jsonl_trace_lines": trace_lines,
        "otlp_exported": guard.exported_spans if guard else None,
        "otlp_dropped": guard.dropped_spans if guard else None,
        "otlp_failed_batches": guard.failed_batches if guard else None,
        "otlp_accounted": (guard.exported_spans + guard.dropped_spans) if guard else None,
        "backend_received": received,
        "rss_mb_before_configure": round(rss_before, 1),
        "rss_mb_start": round(rss_start, 1),
        "rss_mb_middle": round(middle.rss_mb, 1) if middle else None,
        "rss_mb_end": round(rss_end, 1),
        "rss_mb_samples": [round(s.rss_mb, 1) for s in run.samples],
        "writer_max_lag_seconds": round(stats.max_lag_seconds, 3),
        "writer_max_queue": run.max_queue,
        "writer_batches": stats.batches,
    }
    print(
        f"\nfluxloop-otel soak: {spans:,} spans -> JSONL + OTLP to {figures['backend']} "
        f"({args.threads} thread(s), {'paced at %g spans/s' % args.rate if args.rate else 'flat out'}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"  throughput      {figures['spans_per_second_end_to_end']:,} spans/s end to end "
        f"({figures['spans_per_second_produced']:,} produced/s; flush {flush_seconds:.2f} s); "
        f"caller {figures['caller_cpu_us_per_span']} us CPU per span"
    )
    print(
        f"  JSONL           {lines:,} lines (expected {expected_lines:,}), {trace_lines:,} trace lines, "
        f"dropped {stats.lost} (queue full {stats.dropped_queue_full}, write errors {stats.dropped_write_error})"
    )
    if guard:
        accounted = guard.exported_spans + guard.dropped_spans
        print(
            f"  OTLP            exported {guard.exported_spans:,} + dropped (counted) {guard.dropped_spans:,} = {accounted:,} "
            f"of {expected_lines:,}; failed batches {guard.failed_batches}"
            + (f", backend received {received:,}" if received is not None else "")
        )
    print(
        f"  RSS (MB)        before configure {rss_before:.1f}, start {rss_start:.1f}, "
        f"middle {figures['rss_mb_middle']}, end {rss_end:.1f}; every 10%: {figures['rss_mb_samples']}"
    )
    print(
        f"  writer lag      max {stats.max_lag_seconds:.3f} s, max queue {run.max_queue:,} of {jsonl._writer._max_queue:,}, "
        f"{stats.batches:,} batches"
    )
    if args.json:
        print(json.dumps(figures))
    ok = lines == expected_lines and trace_lines == requests + warmup and stats.lost == 0 and flushed
    if guard is not None:
        ok = ok and guard.exported_spans + guard.dropped_spans == expected_lines
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
