"""OTLP export configured by the standard OTEL_* variables and by configure() options, checked
on loopback OTLP receivers (real protobuf over HTTP and gRPC)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

import fluxloop_otel as fl
from fluxloop_otel.export.otlp import http_traces_url

from support.export_apps import TINY_APP, run_app
from support.otlp_servers import OtlpGrpcSink, OtlpHttpSink, refused_port

TINY = [sys.executable, str(TINY_APP)]


def test_standard_variables_drive_the_http_exporter(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run = run_app(
        tmp_path / "traces",
        command=TINY,
        OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint,  # base URL: /v1/traces is appended
        OTEL_EXPORTER_OTLP_HEADERS="x-team=agents,authorization=Bearer%20t0k",
        OTEL_EXPORTER_OTLP_COMPRESSION="gzip",
        OTEL_EXPORTER_OTLP_TIMEOUT="5",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment.name=ci,service.name=from-resource,openinference.project.name=p1",
    )
    spans = http_sink.wait_for_spans(2)
    assert {span.name for span in spans} == {"invoke_workflow tiny", "chat gpt-test"}
    assert {span.trace_id for span in spans} == set(run.trace_ids)
    (request,) = http_sink.requests
    assert request.path == "/v1/traces"
    assert request.headers["x-team"] == "agents" and request.headers["authorization"] == "Bearer t0k"
    assert request.headers["content-encoding"] == "gzip"
    resource = spans[0].resource
    assert resource["service.name"] == "from-resource"  # OTEL_RESOURCE_ATTRIBUTES beats the default name
    assert resource["deployment.environment.name"] == "ci" and resource["openinference.project.name"] == "p1"
    assert len(run.records("observations.jsonl")) == 1 and len(run.records("traces.jsonl")) == 1


def test_traces_endpoint_and_service_name_take_precedence(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run_app(
        tmp_path / "traces",
        command=TINY,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{refused_port()}",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{http_sink.endpoint}/custom/traces",
        OTEL_SERVICE_NAME="from-otel-service-name",
        OTEL_RESOURCE_ATTRIBUTES="service.name=from-resource",
    )
    spans = http_sink.wait_for_spans(2)
    assert [request.path for request in http_sink.requests] == ["/custom/traces"]
    assert spans[0].resource["service.name"] == "from-otel-service-name"


def test_grpc_protocol_and_headers(grpc_sink: OtlpGrpcSink, tmp_path: Path) -> None:
    run = run_app(
        tmp_path / "traces",
        command=TINY,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=grpc_sink.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS="x-tenant=t1",
        OTEL_SERVICE_NAME="grpc-agent",
    )
    spans = grpc_sink.wait_for_spans(2)
    assert {span.trace_id for span in spans} == set(run.trace_ids)
    assert grpc_sink.requests[0].headers["x-tenant"] == "t1"
    generation = next(span for span in spans if span.name == "chat gpt-test")
    assert generation.attributes["gen_ai.usage.input_tokens"] == 12
    assert generation.resource["service.name"] == "grpc-agent"


def test_sampler_variable_applies_to_both_destinations(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run = run_app(tmp_path / "traces", command=TINY, OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint, OTEL_TRACES_SAMPLER="always_off")
    assert http_sink.wait_for_spans(1, timeout=1.0) == []
    assert run.records("observations.jsonl") == [] and run.records("traces.jsonl") == []


def test_spans_are_delivered_at_exit_without_a_flush(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run_app(tmp_path / "traces", command=TINY, flushed=None, OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint, TINY_APP_NO_FLUSH="1")
    assert len(http_sink.wait_for_spans(2, timeout=2.0)) == 2


def test_configure_options_name_endpoint_protocol_and_headers(http_sink: OtlpHttpSink, grpc_sink: OtlpGrpcSink, tmp_path: Path) -> None:
    provider = TracerProvider()

    @fl.tool
    def lookup(key: str) -> str:
        return key.upper()

    try:
        fl.configure(tracer_provider=provider, offline_store_dir=str(tmp_path), otlp_endpoint=http_sink.endpoint, otlp_headers={"x-key": "v1"})
        lookup("a")
        assert fl.force_flush(10)
        (request,) = http_sink.requests
        assert request.path == "/v1/traces" and request.headers["x-key"] == "v1"
        fl.configure(tracer_provider=provider, offline_store_dir=str(tmp_path), otlp_endpoint=grpc_sink.endpoint, otlp_protocol="grpc")
        lookup("b")
        assert fl.force_flush(10)
        assert [span.name for span in grpc_sink.wait_for_spans(1)] == ["execute_tool lookup"]
        assert len(http_sink.spans()) == 1  # the HTTP processor was replaced, not kept
    finally:
        fl.shutdown()
        provider.shutdown()


def test_user_provider_is_not_given_a_second_exporter_from_the_environment(
    http_sink: OtlpHttpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider the user set up already exports where they chose; OTEL_EXPORTER_OTLP_ENDPOINT alone adds nothing."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", http_sink.endpoint)
    provider = TracerProvider()
    try:
        fl.configure(tracer_provider=provider, offline_store_dir=str(tmp_path))
        with fl.instrument("user-provider"):
            pass
        assert fl.force_flush(5)
        assert http_sink.wait_for_spans(1, timeout=0.5) == []
    finally:
        fl.shutdown()
        provider.shutdown()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://otel.example/custom/v1/traces", "https://otel.example/custom/v1/traces"),
        ("http://127.0.0.1:6006/v1/traces", "http://127.0.0.1:6006/v1/traces"),
    ],
)
def test_http_endpoint_gets_the_traces_path_only_when_it_has_none(given: str, expected: str) -> None:
    assert http_traces_url(given) == expected
