"""The smallest traced program, configured from the environment only: ``python tiny_app.py``.

One ``instrument()`` block with one decorated generation. Prints the OTel trace id (hex) and
whether ``force_flush`` completed. ``TINY_APP_NO_FLUSH=1`` leaves flushing to interpreter exit.
"""

from __future__ import annotations

import json
import os

from opentelemetry import trace

import fluxloop_otel as fl


@fl.prompt(model="gpt-test")
def answer(question: str) -> dict:
    return {"content": "4", "usage": {"prompt_tokens": 12, "completion_tokens": 3}}


if __name__ == "__main__":
    fl.configure()
    with fl.instrument("tiny"):
        trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
        answer("What is 2+2?")
    flushed = None if os.environ.get("TINY_APP_NO_FLUSH") == "1" else fl.force_flush(10)
    print(json.dumps({"trace_ids": [trace_id], "flushed": flushed}))
