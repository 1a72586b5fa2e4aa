"""What Jaeger and Grafana Tempo key on, in the OTLP they ingest: span names (Jaeger's operation,
Tempo's ``name``), span kinds (``kind = client`` for model and data-store calls), status (Jaeger's
``error`` tag, Tempo's ``status = error``), ``service.name``, and the GenAI attributes searched by
tag (Jaeger) or TraceQL (Tempo). See docs/backend-views.md."""

from __future__ import annotations

from pathlib import Path

import fluxloop_otel as fl

from support.otlp_servers import OtlpHttpSink

CLIENT, INTERNAL = 3, 1  # OTLP Span.SpanKind
STATUS_ERROR = 2


def test_names_kinds_status_and_searchable_attributes(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": "views-agent"}))
    fl.configure(tracer_provider=provider, otlp_endpoint=http_sink.endpoint, offline_store_dir=str(tmp_path), instrument_langchain=False)

    @fl.prompt(model="gpt-4o", provider="openai")
    def ask(q: str) -> dict:
        return {"content": "ok", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}

    @fl.retrieval(data_source="kb")
    def search(query: str) -> list:
        return [{"id": "d1", "content": "x"}]

    @fl.tool()
    def broken() -> None:
        raise RuntimeError("boom")

    @fl.agent()
    def agent(q: str) -> str:
        search(q)
        try:
            broken()
        except RuntimeError:
            pass
        return ask(q)["content"]

    try:
        with fl.instrument("views"):
            agent("hi")
        assert fl.force_flush(10)
        spans = {span.name: span for span in http_sink.wait_for_spans(5)}
    finally:
        fl.shutdown()
        provider.shutdown()
    assert set(spans) == {"invoke_workflow views", "invoke_agent agent", "retrieval kb", "execute_tool broken", "chat gpt-4o"}
    assert spans["chat gpt-4o"].kind == CLIENT and spans["retrieval kb"].kind == CLIENT
    assert spans["invoke_agent agent"].kind == INTERNAL and spans["execute_tool broken"].kind == INTERNAL
    assert spans["execute_tool broken"].status_code == STATUS_ERROR  # Jaeger: error=true; Tempo: status = error
    assert spans["execute_tool broken"].attributes["error.type"] == "RuntimeError"
    assert {span.resource["service.name"] for span in spans.values()} == {"views-agent"}
    chat = spans["chat gpt-4o"].attributes  # TraceQL: { span.gen_ai.operation.name = "chat" && kind = client }
    assert (chat["gen_ai.operation.name"], chat["gen_ai.request.model"], chat["gen_ai.provider.name"]) == ("chat", "gpt-4o", "openai")
    assert chat["fluxloop.observation.type"] == "generation" and chat["gen_ai.usage.input_tokens"] == 3
    assert spans["invoke_workflow views"].parent_span_id is None
