"""The end-to-end harness: the realistic application run against a loopback OpenAI-compatible
server, with the real openai-v2 and httpx instrumentations beside ours, the FluxLoop JSONL and a
loopback OTLP receiver; everything a test asserts is recorded."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel as fl

from support.openai_server import OpenAICompatibleServer
from support.otlp_servers import OtlpHttpSink

#: What a user pastes into a question (openai-v2 copies message content into its spans).
PASTED_KEY = "sk-proj-PASTEDpastedPASTED0123456789"
QUESTIONS = (f"What is the weather in Paris? my key is {PASTED_KEY}", "Please search the refund policy")
THREAD = "thread-42"


@dataclass
class AppRun:
    """One run of the realistic application and everything it produced."""

    mode: str
    server: OpenAICompatibleServer
    spans: list[ReadableSpan]
    directory: Path
    received: list[Any]
    results: list[Any] = field(default_factory=list)

    def records(self, name: str = "observations.jsonl") -> list[dict[str, Any]]:
        path = self.directory / name
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def ours(self) -> list[ReadableSpan]:
        return [s for s in self.spans if s.instrumentation_scope.name.startswith("fluxloop_otel")]

    def foreign(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.spans if s.instrumentation_scope.name.startswith(prefix)]


@dataclass
class Setup:
    """The server, our configuration, openai-v2 and httpx instrumented, an in-memory exporter
    (the user's own) and a loopback OTLP receiver (fluxloop-otel's export)."""

    server: OpenAICompatibleServer
    sink: OtlpHttpSink
    exporter: InMemorySpanExporter
    directory: Path

    def records(self, name: str = "observations.jsonl") -> list[dict[str, Any]]:
        path = self.directory / name
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


@contextlib.contextmanager
def instrumented(tmp: Path) -> Iterator[Setup]:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith(("OTEL_", "FLUXLOOP_")):
            del os.environ[key]
    # openai-v2 records message content on its spans only with these.
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "SPAN_ONLY"
    server = OpenAICompatibleServer()
    sink = OtlpHttpSink()
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    directory = tmp / "traces"
    openai_v2, httpx_instrumentor = OpenAIInstrumentor(), HTTPXClientInstrumentor()
    try:
        fl.configure(tracer_provider=provider, offline_store_dir=str(directory), otlp_endpoint=sink.endpoint, flush_interval=0.05)
        openai_v2.instrument(tracer_provider=provider)
        httpx_instrumentor.instrument(tracer_provider=provider)
        yield Setup(server, sink, exporter, directory)
    finally:
        openai_v2.uninstrument()
        httpx_instrumentor.uninstrument()
        fl.shutdown()
        provider.shutdown()
        sink.close()
        server.close()
        os.environ.clear()
        os.environ.update(saved)


def run_app(tmp: Path, mode: str) -> Iterator[AppRun]:
    from support.realistic_app import ask, build_app

    with instrumented(tmp) as setup:
        app = build_app(setup.server.url, streaming=mode == "stream")
        results = [ask(app, question, THREAD, stream=mode == "stream") for question in QUESTIONS]
        assert fl.force_flush(10)
        spans = list(setup.exporter.get_finished_spans())
        received = setup.sink.wait_for_spans(len(spans))
        yield AppRun(mode, setup.server, spans, setup.directory, received, results)
