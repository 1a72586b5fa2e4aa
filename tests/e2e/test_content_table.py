"""The content-mode table, measured: for each setting of
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` / ``FLUXLOOP_CAPTURE_CONTENT``, where a
prompt's content was seen: span attributes in the process, the OTLP trace bytes a loopback
receiver got, the GenAI log events it got, and the FluxLoop JSONL.

One real ``ChatOpenAI`` call per setting, against the loopback OpenAI-compatible server, through
``configure(otlp_endpoint=...)``; each call's question carries its own marker.
``pytest -s`` prints the table.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from langchain_openai import ChatOpenAI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel as fl
from fluxloop_otel.telemetry.events import OPERATION_DETAILS

from support.openai_server import OpenAICompatibleServer
from support.otlp_servers import OtlpHttpSink

pytestmark = pytest.mark.e2e

MODE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
LOCAL = "FLUXLOOP_CAPTURE_CONTENT"
OTLP = "FLUXLOOP_OTLP_CAPTURE_CONTENT"

#: setting -> (environment, expected: spans in process, OTLP traces, log events, JSONL, warns)
TABLE: dict[str, tuple[dict[str, str], tuple[str, str, str, str, bool]]] = {
    "unset": ({}, ("yes", "yes", "no", "yes", False)),
    "NO_CONTENT": ({MODE: "NO_CONTENT"}, ("no", "no", "no", "no", False)),
    "false": ({MODE: "false"}, ("no", "no", "no", "no", False)),
    "SPAN_ONLY": ({MODE: "SPAN_ONLY"}, ("yes", "yes", "no", "yes", False)),
    "true": ({MODE: "True"}, ("yes", "yes", "no", "yes", False)),
    "EVENT_ONLY": ({MODE: "event_only"}, ("yes", "no", "yes", "yes", False)),
    "SPAN_AND_EVENT": ({MODE: "Span_And_Event"}, ("yes", "yes", "yes", "yes", False)),
    "unknown value": ({MODE: "everything"}, ("no", "no", "no", "no", True)),
    "NO_CONTENT + FLUXLOOP_CAPTURE_CONTENT=true": ({MODE: "NO_CONTENT", LOCAL: "true"}, ("yes", "no", "no", "yes", False)),
    "FLUXLOOP_CAPTURE_CONTENT=false": ({LOCAL: "false"}, ("no", "no", "no", "no", False)),
    "FLUXLOOP_CAPTURE_CONTENT=maybe": ({LOCAL: "maybe"}, ("no", "no", "no", "no", True)),
    "SPAN_AND_EVENT + FLUXLOOP_CAPTURE_CONTENT=false": ({MODE: "SPAN_AND_EVENT", LOCAL: "false"}, ("no", "no", "no", "no", False)),
    "EVENT_ONLY + FLUXLOOP_OTLP_CAPTURE_CONTENT=false": ({MODE: "EVENT_ONLY", OTLP: "false"}, ("yes", "no", "no (event without content)", "yes", False)),
}


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[OpenAICompatibleServer, OtlpHttpSink]]:
    server, sink = OpenAICompatibleServer(), OtlpHttpSink()
    yield server, sink
    sink.close()
    server.close()


def _seen(marker: str, text: str | bytes) -> str:
    if isinstance(text, bytes):
        return "yes" if marker.encode() in text else "no"
    return "yes" if marker in text else "no"


def measure(setting: str, environment: dict[str, str], tmp: Path, loopback: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, str, str]:
    server, sink = loopback
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    marker = "MARKER-" + "".join(c for c in setting if c.isalnum())
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    directory = tmp / "traces"
    fl.configure(tracer_provider=provider, offline_store_dir=str(directory), otlp_endpoint=sink.endpoint, flush_interval=0.05)
    try:
        model = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-loopback")
        model.invoke(f"Tell me about {marker}")
        assert fl.force_flush(10)
        spans = exporter.get_finished_spans()
        sink.wait_for_spans(sum(1 for _ in spans), timeout=5)
        in_process = _seen(marker, json.dumps([dict(s.attributes) for s in spans]))
        otlp = _seen(marker, b"".join(r.body for r in sink.requests))
        (chat,) = [s for s in spans if s.name.startswith("chat ")]  # traced in every mode
        trace_id = f"{chat.context.trace_id:032x}"
        time.sleep(0.1)
        emitted = [log for log in sink.logs if log.event_name == OPERATION_DETAILS and log.trace_id == trace_id]
        assert len(emitted) <= 1  # one per model call
        events = "yes" if any(marker in json.dumps(log.attributes) for log in emitted) else "no"
        if emitted and events == "no":
            events = "no (event without content)"
        jsonl = _seen(marker, (directory / "observations.jsonl").read_text())
        return in_process, otlp, events, jsonl
    finally:
        fl.shutdown()
        provider.shutdown()
        for name in environment:
            monkeypatch.delenv(name)


@pytest.mark.parametrize("setting", list(TABLE))
def test_content_table(setting: str, tmp_path: Path, loopback: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    environment, expected = TABLE[setting]
    caplog.set_level(logging.WARNING, logger="fluxloop_otel")
    measured = measure(setting, environment, tmp_path, loopback, monkeypatch)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and any(v in r.getMessage() for v in environment.values())]
    print(f"| {setting} | {' | '.join(measured)} | {'one warning' if warnings else '-'} |")
    assert measured == expected[:4]
    assert len(warnings) == (1 if expected[4] else 0), [r.getMessage() for r in warnings]
