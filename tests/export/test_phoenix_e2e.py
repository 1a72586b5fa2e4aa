"""End to end against a real Arize Phoenix: the sample agent (decorated agent, tool, generation,
retrieval, LangChain chain) exported over OTLP/HTTP and OTLP/gRPC, through the rotel relay, with
content kept local, and zero-code through ``opentelemetry-instrument``; read back over REST."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from fluxloop_otel.semconv.attributes import FLUXLOOP_CONTENT_WITHHELD, is_content_attribute

from support.export_apps import AGENT_APP, AppRun, run_app
from support.phoenix_server import Phoenix
from support.rotel import Rotel

pytestmark = pytest.mark.e2e

SPAN_KIND = {"agent": "AGENT", "tool": "TOOL", "generation": "LLM", "retrieval": "RETRIEVER", "chain": "CHAIN"}
SECRET = "SECRET-42"


def _span_id(observation_id: str) -> str:
    """The OTel span id (hex) inside a FluxLoop observation id."""
    return observation_id.replace("-", "")[16:]


def check_trace(phoenix: Phoenix, project: str, run: AppRun) -> dict[str, dict[str, Any]]:
    """Phoenix holds the trace exactly as the FluxLoop files describe it; returns Phoenix spans by name."""
    (trace_id,) = run.trace_ids
    fluxloop_trace_id = str(uuid.UUID(hex=trace_id))
    (trace_record,) = [t for t in run.records("traces.jsonl") if t["id"] == fluxloop_trace_id]  # FluxLoop id == OTel id
    observations = [o for o in run.records("observations.jsonl") if o["trace_id"] == fluxloop_trace_id]
    assert len(observations) == 8, [o["name"] for o in observations]

    spans = phoenix.wait_for_spans(project, trace_id, count=len(observations) + 1)
    by_id = {span["context"]["span_id"]: span for span in spans}
    assert len(by_id) == len(observations) + 1, sorted(span["name"] for span in spans)
    assert {span["context"]["trace_id"] for span in spans} == {trace_id}

    root_span_id = f"{int(trace_id, 16) & (2**64 - 1):016x}"  # the instrument() root
    assert by_id[root_span_id]["parent_id"] is None
    assert by_id[root_span_id]["name"] == f"invoke_workflow {trace_record['name']}"
    for observation in observations:
        span = by_id[_span_id(observation["id"])]
        assert span["span_kind"] == SPAN_KIND[observation["type"]], (observation["name"], span["span_kind"])
        parent = observation.get("parent_observation_id")
        assert span["parent_id"] == (_span_id(parent) if parent else root_span_id), observation["name"]

    named = {span["name"]: span for span in spans}
    generation = named["chat gpt-test"]["attributes"]
    assert generation["llm.token_count.prompt"] == 12 and generation["llm.token_count.completion"] == 3
    assert generation["gen_ai.usage.input_tokens"] == 12 and generation["gen_ai.usage.output_tokens"] == 3
    assert generation["llm.model_name"] == "gpt-test"
    tool = named["execute_tool calculator"]
    assert (tool["status_code"], tool["status_message"]) == ("ERROR", "boom")
    assert tool["attributes"]["tool.name"] == "calculator"
    assert named["retrieval arithmetic-kb"]["span_kind"] == "RETRIEVER"
    # the LangChain chain: RunnableSequence -> prompt, chat model, parser, under the agent
    sequence = named["RunnableSequence"]
    assert sequence["parent_id"] == named["invoke_agent math_agent"]["context"]["span_id"]
    assert named["chat GenericFakeChatModel"]["span_kind"] == "LLM"
    assert named["chat GenericFakeChatModel"]["parent_id"] == sequence["context"]["span_id"]
    assert named["StrOutputParser"]["parent_id"] == sequence["context"]["span_id"]

    traces = phoenix.get(f"/v1/projects/{project}/traces", limit=10)["data"]
    (summary,) = [t for t in traces if t["trace_id"] == trace_id]
    assert (summary["token_count_prompt"], summary["token_count_completion"]) == (12, 3)
    return named


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_agent_and_chain_over_otlp(phoenix: Phoenix, tmp_path: Path, protocol: str) -> None:
    project = f"e2e-{protocol.replace('/', '-')}"
    endpoint = phoenix.http_traces_endpoint if protocol == "http/protobuf" else phoenix.grpc_endpoint
    run = run_app(
        tmp_path / "traces",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_RESOURCE_ATTRIBUTES=f"openinference.project.name={project}",
    )
    named = check_trace(phoenix, project, run)
    agent = named["invoke_agent math_agent"]["attributes"]
    assert SECRET in agent["input.value"]  # content goes to the backend by default
    assert agent["fluxloop.observation.type"] == "agent" and agent["gen_ai.operation.name"] == "invoke_agent"


def test_through_the_rotel_relay(phoenix: Phoenix, rotel_to_phoenix: Rotel, tmp_path: Path) -> None:
    """app -(OTLP/HTTP)-> rotel -(OTLP/gRPC)-> Phoenix: the collector shape."""
    run = run_app(
        tmp_path / "traces",
        OTEL_EXPORTER_OTLP_ENDPOINT=rotel_to_phoenix.http_endpoint,  # base URL: /v1/traces is appended
        OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=e2e-relay",
    )
    check_trace(phoenix, "e2e-relay", run)


def test_redaction_reaches_phoenix_and_jsonl(phoenix: Phoenix, tmp_path: Path) -> None:
    run = run_app(
        tmp_path / "traces",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=phoenix.http_traces_endpoint,
        OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=e2e-redacted",
        AGENT_APP_REDACT="1",
    )
    named = check_trace(phoenix, "e2e-redacted", run)
    assert "[redacted]" in named["invoke_agent math_agent"]["attributes"]["input.value"]
    assert SECRET not in json.dumps(phoenix.spans("e2e-redacted"))
    agent = next(o for o in run.records("observations.jsonl") if o["type"] == "agent")
    assert agent["input"] == {"question": "What is 2+2? [redacted]"}


def test_content_stays_in_the_jsonl(phoenix: Phoenix, tmp_path: Path) -> None:
    """FLUXLOOP_OTLP_CAPTURE_CONTENT=false: no content attribute in Phoenix, all of it (redacted) in the JSONL."""
    run = run_app(
        tmp_path / "traces",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=phoenix.http_traces_endpoint,
        OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=e2e-no-content",
        FLUXLOOP_OTLP_CAPTURE_CONTENT="false",
        AGENT_APP_REDACT="1",
    )
    named = check_trace(phoenix, "e2e-no-content", run)  # structure, kinds, tokens and errors still arrive
    for name, span in named.items():
        leaked = sorted(key for key in span["attributes"] if is_content_attribute(key))
        assert not leaked, (name, leaked)
    assert named["invoke_agent math_agent"]["attributes"][FLUXLOOP_CONTENT_WITHHELD] is True
    text = json.dumps(phoenix.spans("e2e-no-content"))
    assert "2+2" not in text and "[redacted]" not in text and "The answer is 4" not in text

    observations = {o["name"]: o for o in run.records("observations.jsonl")}
    assert observations["math_agent"]["input"] == {"question": "What is 2+2? [redacted]"}
    assert observations["math_agent"]["output"] == "The answer is 4."
    assert observations["calculator"]["input"] == {"expression": "2+2"}
    assert observations["search"]["output"][0]["content"] == "2+2=4"
    assert SECRET not in (run.directory / "observations.jsonl").read_text()


def test_zero_code_opentelemetry_instrument(phoenix: Phoenix, tmp_path: Path) -> None:
    """``opentelemetry-instrument python app.py`` with environment variables only: OTLP to Phoenix,
    FluxLoop JSONL, LangChain auto-instrumentation (the app never calls configure())."""
    instrument = Path(sys.executable).with_name("opentelemetry-instrument")
    run = run_app(
        tmp_path / "traces",
        command=[str(instrument), sys.executable, str(AGENT_APP)],
        AGENT_APP_ZERO_CODE="1",
        OTEL_EXPORTER_OTLP_ENDPOINT=phoenix.base_url,
        OTEL_SERVICE_NAME="zero-code-agent",
        OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=e2e-zero-code",
    )
    check_trace(phoenix, "e2e-zero-code", run)
    assert "Failed to auto initialize" not in run.stderr, run.stderr
