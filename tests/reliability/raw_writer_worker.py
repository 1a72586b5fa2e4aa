"""The JSONL writer alone, writing as fast as it can: ``python raw_writer_worker.py DIR TAG``.

Lines are built up front (random lengths up to 40,000 bytes), so the writer thread spends its
time inside ``os.write``, where a ``kill -9`` can cut a multi-page write. After each group of
50 lines it calls ``force_flush()`` and prints ``flushed N`` once that returned True.
"""

from __future__ import annotations

import json
import random
import sys

from fluxloop_otel.export.fluxloop.writer import JsonlWriter


def main() -> None:
    directory, tag = sys.argv[1], sys.argv[2]
    rng = random.Random(tag)
    lines = [
        json.dumps(
            {"input": {"tag": tag, "i": i}, "type": "raw", "pad": "y" * rng.randint(100, 40_000)}
        ).encode()
        + b"\n"
        for i in range(200)
    ]
    writer = JsonlWriter(
        directory, lambda line: [("observations.jsonl", line)], batch_size=64, max_queue_size=10_000
    )
    print("ready", flush=True)
    i = 0
    while True:
        for _ in range(50):
            assert writer.submit(
                lines[i % len(lines)].replace(b'"i": %d}' % (i % len(lines)), b'"i": %d}' % i)
            )
            i += 1
        if not writer.force_flush(60):
            sys.exit(3)
        print(f"flushed {i}", flush=True)


if __name__ == "__main__":
    main()
