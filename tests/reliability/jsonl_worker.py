"""A process that writes FluxLoop JSONL heavily:
``python jsonl_worker.py DIR TAG TRACES [FLUSH_EVERY] [MAX_CHARS] [BATCH_SIZE]``.

Each trace is an ``@agent`` call with one ``@tool`` inside, both carrying ``{"tag", "i"}`` and a
payload of random length (up to MAX_CHARS characters, default 12,000), so lines straddle pages
and batches are multi-page writes (up to 1 MiB per ``write``). After every FLUSH_EVERY traces it calls ``force_flush()``
and, once that returned True, prints ``flushed N`` (N traces are on disk). TRACES 0 = forever.
"""

from __future__ import annotations

import random
import sys

import fluxloop_otel as fl


def main() -> None:
    directory, tag, traces = sys.argv[1], sys.argv[2], int(sys.argv[3])
    flush_every = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    max_chars = int(sys.argv[5]) if len(sys.argv) > 5 else 12_000
    batch_size = int(sys.argv[6]) if len(sys.argv) > 6 else 64
    fl.configure(
        offline_store_dir=directory,
        flush_interval=0.005,
        batch_size=batch_size,
        max_queue_size=1_000_000,
        max_content_chars=50_000,
        instrument_langchain=False,
    )
    rng = random.Random(tag)

    @fl.tool()
    def step(tag: str, i: int, payload: str) -> int:
        return len(payload)

    @fl.agent()
    def run(tag: str, i: int, payload: str) -> int:
        return step(tag, i, payload[::-1])

    print("ready", flush=True)
    i = 0
    while traces == 0 or i < traces:
        run(tag, i, "x" * rng.randint(50, max_chars))
        i += 1
        if i % flush_every == 0 or i == traces:
            if not fl.force_flush(60):
                print("flush failed", flush=True)
                sys.exit(3)
            print(f"flushed {i}", flush=True)
    fl.shutdown()


if __name__ == "__main__":
    main()
