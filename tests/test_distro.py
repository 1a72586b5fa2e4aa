"""Zero-code setup: ``opentelemetry-instrument`` picks the fluxloop distro and configurator from
their entry points and gives OTLP export + FluxLoop JSONL + LangChain spans, from environment
variables only; it also works next to the official ``opentelemetry-distro``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from fluxloop_otel.distro import FluxLoopConfigurator, FluxLoopDistro, distro_defaults
from fluxloop_otel.semconv.attributes import is_content_attribute

from support.export_apps import AGENT_APP, run_app
from support.otlp_servers import OtlpHttpSink
from support.paths import REPOSITORY

INSTRUMENT = [str(Path(sys.executable).with_name("opentelemetry-instrument")), sys.executable, str(AGENT_APP)]
OTEL_DISTRO_VERSION = "0.66b1"  # opentelemetry-distro matching the installed opentelemetry-instrumentation


def test_entry_points_name_the_distro_and_configurator() -> None:
    (distro,) = [ep for ep in entry_points(group="opentelemetry_distro") if ep.name == "fluxloop"]
    (configurator,) = [ep for ep in entry_points(group="opentelemetry_configurator") if ep.name == "fluxloop"]
    assert distro.load() is FluxLoopDistro and configurator.load() is FluxLoopConfigurator
    assert any(ep.name == "fluxloop_langchain" for ep in entry_points(group="opentelemetry_instrumentor"))


def test_distro_defaults_export_only_when_an_endpoint_is_set() -> None:
    assert distro_defaults({})["OTEL_TRACES_EXPORTER"] == "none"
    with_endpoint = distro_defaults({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})
    assert with_endpoint["OTEL_TRACES_EXPORTER"] == "otlp"
    assert with_endpoint["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert with_endpoint["OTEL_METRICS_EXPORTER"] == "otlp"  # the GenAI client metrics go where the traces go
    assert distro_defaults({})["OTEL_METRICS_EXPORTER"] == with_endpoint["OTEL_LOGS_EXPORTER"] == "none"
    assert with_endpoint["OTEL_PYTHON_CONFIGURATOR"] == "fluxloop"


def _agent_spans(sink: OtlpHttpSink, trace_id: str, count: int = 9) -> dict[str, dict]:
    """Attributes by span name of one trace of the sample agent (9 spans, 5 without LangChain's)."""
    spans = [span for span in sink.wait_for_spans(count) if span.trace_id == trace_id]
    return {span.name: span.attributes for span in spans}


def test_opentelemetry_instrument_exports_and_writes_jsonl(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run = run_app(tmp_path / "traces", command=INSTRUMENT, AGENT_APP_ZERO_CODE="1", OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint)
    (trace_id,) = run.trace_ids
    spans = _agent_spans(http_sink, trace_id)
    assert {"invoke_agent math_agent", "execute_tool calculator", "RunnableSequence", "chat GenericFakeChatModel"} <= set(spans)
    assert http_sink.requests[0].path == "/v1/traces"
    assert {o["name"] for o in run.records("observations.jsonl")} >= {"math_agent", "calculator", "GenericFakeChatModel"}
    # the distro turns on the OTLP metric exporter too: the GenAI client metrics, exported at exit
    metrics = {
        metric.name: metric
        for request in http_sink.metric_requests
        for resource in request.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"} <= set(metrics), sorted(metrics)
    operations = {
        attribute.value.string_value
        for point in metrics["gen_ai.client.operation.duration"].histogram.data_points
        for attribute in point.attributes
        if attribute.key == "gen_ai.operation.name"
    }
    assert {"invoke_agent", "execute_tool", "chat"} <= operations


def test_zero_code_content_split_and_langchain_switch(http_sink: OtlpHttpSink, tmp_path: Path) -> None:
    run = run_app(
        tmp_path / "traces",
        command=INSTRUMENT,
        AGENT_APP_ZERO_CODE="1",
        OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint,
        FLUXLOOP_OTLP_CAPTURE_CONTENT="false",
        FLUXLOOP_INSTRUMENT_LANGCHAIN="false",
    )
    spans = _agent_spans(http_sink, run.trace_ids[0], count=5)
    assert len(spans) == 5 and "RunnableSequence" not in spans and "invoke_agent math_agent" in spans
    assert not [key for attributes in spans.values() for key in attributes if is_content_attribute(key)]
    agent = next(o for o in run.records("observations.jsonl") if o["type"] == "agent")
    assert agent["input"] == {"question": "What is 2+2? SECRET-42"} and agent["output"] == "The answer is 4."


def test_without_an_endpoint_only_the_jsonl_is_written(tmp_path: Path) -> None:
    run = run_app(tmp_path / "traces", command=INSTRUMENT, AGENT_APP_ZERO_CODE="1")
    assert len(run.records("observations.jsonl")) == 8
    assert "Failed to export" not in run.stderr and "Exception" not in run.stderr, run.stderr


@pytest.fixture(scope="module")
def opentelemetry_distro() -> Path:
    """The official opentelemetry-distro, installed apart (``pip --target``) so it is on the path of
    the tested subprocesses only."""
    target = REPOSITORY / ".cache" / f"opentelemetry-distro-{OTEL_DISTRO_VERSION}"
    if not (target / "opentelemetry" / "distro").is_dir():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), f"opentelemetry-distro=={OTEL_DISTRO_VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot install opentelemetry-distro=={OTEL_DISTRO_VERSION}: {done.stderr.strip()[-300:]}")
    return target


@pytest.mark.e2e
@pytest.mark.parametrize(
    "selection",
    [{"OTEL_PYTHON_DISTRO": "fluxloop"}, {"OTEL_PYTHON_DISTRO": "distro", "OTEL_PYTHON_CONFIGURATOR": "fluxloop", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}],
    ids=["fluxloop-distro", "official-distro+fluxloop-configurator"],
)
def test_next_to_the_official_distro(opentelemetry_distro: Path, http_sink: OtlpHttpSink, tmp_path: Path, selection: dict[str, str]) -> None:
    run = run_app(
        tmp_path / "traces",
        command=INSTRUMENT,
        AGENT_APP_ZERO_CODE="1",
        PYTHONPATH=str(opentelemetry_distro),
        OTEL_EXPORTER_OTLP_ENDPOINT=http_sink.endpoint,
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        **selection,
    )
    assert "invoke_agent math_agent" in _agent_spans(http_sink, run.trace_ids[0])
    assert len(run.records("observations.jsonl")) == 8
