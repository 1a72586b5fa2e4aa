"""``fluxloop-otel convert``: the same spans through both routes give the same records.

Route 1: the in-process FluxLoop JSONL processor. Route 2: the spans encoded as OTLP/JSON lines
(what the Collector's ``file`` exporter writes) and converted. The OTLP/JSON is produced with
the official protobuf encoder the OTLP exporters use (``encode_spans``) plus protobuf's
``json_format`` and the OTLP/JSON id rule (hex, not base64): that is byte for byte the message a
collector receives, so the test does not depend on an encoder of our own; a hand-written line
in the Collector's exact shape is converted too.
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

import fluxloop_otel as fl
from fluxloop_otel.cli.main import main
from fluxloop_otel.export.otlp_json.encode import write_otlp_json


@fl.retrieval(data_source="kb")
def search(query: str, top_k: int = 2) -> list[dict[str, Any]]:
    return [{"id": "d1", "content": "Paris is the capital of France.", "score": 0.75}]


@fl.tool(description="Looks up a fact")
def lookup(key: str) -> str:
    if key == "missing":
        raise KeyError(key)
    return {"capital": "Paris"}[key]


@fl.prompt(model="gpt-test", provider="openai")
def generate(question: str, temperature: float = 0.2) -> dict[str, Any]:
    return {"content": "Paris ✓ — «ok»", "usage": {"prompt_tokens": 21, "completion_tokens": 4, "total_tokens": 25}}


@fl.embedding(model="embed-small")
def embed(text: str) -> list[float]:
    return [0.25, -1.5e-7, 3.0]


@fl.agent(name="capital_agent", metadata={"team": "geo", "version": 2})
def capital_agent(question: str) -> str:
    search(question)
    embed(question)
    try:
        lookup("missing")
    except KeyError:
        pass
    lookup("capital")
    with trace.get_tracer("third.party").start_as_current_span("http GET", attributes={"http.status_code": 200, "tags": ["a", "b"]}):
        pass
    fl.event("checkpoint", {"step": 3})
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | GenericFakeChatModel(messages=iter([AIMessage("Paris")])) | StrOutputParser()
    chain.invoke({"q": question})
    return generate(question)["content"]


@fl.trace(name="divide")
def _divide() -> float:
    return 1 / 0


def _records(directory: Path, name: str) -> dict[str, dict[str, Any]]:
    lines = (directory / name).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    keyed = {record["id"]: record for record in records}
    assert len(keyed) == len(records), "duplicate ids"
    return keyed


def _batches(spans: list[Any], rng: random.Random) -> list[list[Any]]:
    shuffled = spans[:]
    rng.shuffle(shuffled)
    return [shuffled[i : i + 7] for i in range(0, len(shuffled), 7)]


@pytest.fixture
def both_routes(tracing: Any, tmp_path: Path) -> tuple[Path, Path, list[Any]]:
    """Route 1 written by the processor; the same spans as OTLP/JSON files (plain and gzip)."""
    with pytest.raises(ZeroDivisionError):
        with fl.instrument("failing"):
            _divide()
    for index in range(3):
        with fl.instrument(f"capital-{index}", session_id=f"s{index}", user_id="u1", tags=["geo", f"run{index}"], metadata={"iteration": index}):
            capital_agent("What is the capital of France?")
    remote = SpanContext(trace_id=0x1234ABCD, span_id=0x5678, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    with trace.use_span(NonRecordingSpan(remote)):
        capital_agent("continued from another service")
    tracing.flush()
    spans = tracing.spans()
    batches = _batches(spans, random.Random(7))
    inputs = tmp_path / "collector"
    inputs.mkdir()
    half = len(batches) // 2
    write_otlp_json(str(inputs / "spans-1.json"), batches[:half])
    write_otlp_json(str(inputs / "spans-2.json.gz"), batches[half:], compress=True)
    return tracing.directory, inputs, spans


def test_both_routes_write_the_same_records(both_routes: tuple[Path, Path, list[Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    processor_dir, inputs, spans = both_routes
    assert main(["convert", str(inputs), "-o", str(tmp_path / "converted"), "-q"]) == 0
    assert f"{len(spans)} span(s)" in capsys.readouterr().out
    for name in ("observations.jsonl", "traces.jsonl"):
        expected, converted = _records(processor_dir, name), _records(tmp_path / "converted", name)
        assert set(converted) == set(expected), name
        for record_id, record in expected.items():
            other = converted[record_id]
            assert list(other) == list(record), (record_id, "key order")
            for field, value in record.items():
                assert other[field] == value, (name, record["name"], field)
    observations = _records(processor_dir, "observations.jsonl").values()
    types = {record["type"] for record in observations}
    assert {"agent", "tool", "generation", "retrieval", "embedding", "chain", "span", "event"} <= types
    assert any(record.get("error") == "'missing'" for record in observations)
    traces = _records(processor_dir, "traces.jsonl")
    assert any(record["id"].endswith("1234abcd") for record in traces.values())  # the remote-parent root


def test_no_foreign_spans_matches_the_processor_option(both_routes: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    processor_dir, inputs, _ = both_routes
    assert main(["convert", str(inputs), "-o", str(tmp_path / "out"), "--no-foreign-spans", "-q"]) == 0
    converted = _records(tmp_path / "out", "observations.jsonl")
    expected = {k: v for k, v in _records(processor_dir, "observations.jsonl").items() if v["name"] != "http GET"}
    assert converted == expected


def test_many_services_and_the_service_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for service in ("planner", "retriever"):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        fl.configure(tracer_provider=provider, offline_store_dir=str(tmp_path / service), flush_interval=0.05)
        memory = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        with fl.instrument(f"{service}-run"):
            lookup("capital")
        fl.force_flush(5)
        write_otlp_json(str(tmp_path / f"{service}.json"), [memory.get_finished_spans()])
        files.append(str(tmp_path / f"{service}.json"))
        fl.shutdown()
        provider.shutdown()
    assert main(["convert", *files, "-o", str(tmp_path / "all"), "-q"]) == 0
    assert "services: planner, retriever" in capsys.readouterr().out
    assert len(_records(tmp_path / "all", "traces.jsonl")) == 2
    assert main(["convert", *files, "-o", str(tmp_path / "one"), "--service", "retriever", "-q"]) == 0
    (trace_record,) = _records(tmp_path / "one", "traces.jsonl").values()
    assert trace_record["name"] == "retriever-run"
    assert "2 span(s) of other services skipped" in capsys.readouterr().out


def test_collector_shaped_line(tmp_path: Path) -> None:
    """A line exactly as the Collector's file exporter writes it (ints as strings, enums as ints,
    empty fields omitted, several resources per line)."""
    line = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "fluxloop_otel"},
                        "spans": [
                            {
                                "traceId": "5B8EFFF798038103D269B633813FC60C",
                                "spanId": "EEE19B7EC3C1B174",
                                "parentSpanId": "",
                                "flags": 256,
                                "name": "invoke_agent helper",
                                "kind": 1,
                                "startTimeUnixNano": "1544712660000000000",
                                "endTimeUnixNano": "1544712661000000000",
                                "attributes": [
                                    {"key": "fluxloop.observation.type", "value": {"stringValue": "agent"}},
                                    {"key": "input.value", "value": {"stringValue": "{\"q\": 1}"}},
                                    {"key": "input.mime_type", "value": {"stringValue": "application/json"}},
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "7"}},
                                    {"key": "tag.tags", "value": {"arrayValue": {"values": [{"stringValue": "x"}]}}},
                                ],
                                "status": {"code": 2, "message": "bad"},
                            }
                        ],
                    }
                ],
            },
            {"resource": {}, "scopeSpans": []},
        ]
    }
    path = tmp_path / "collector.json"
    path.write_text(json.dumps(line) + "\n")
    assert main(["convert", str(path), "-o", str(tmp_path / "out"), "-q"]) == 0
    (observation,) = _records(tmp_path / "out", "observations.jsonl").values()
    assert observation["id"] == "5b8efff7-9803-8103-eee1-9b7ec3c1b174"
    assert observation["trace_id"] == "5b8efff7-9803-8103-d269-b633813fc60c"
    assert (observation["type"], observation["name"], observation["input"], observation["error"]) == ("agent", "invoke_agent helper", {"q": 1}, "bad")
    assert observation["start_time"] == "2018-12-13T14:51:00.000000+00:00"
    (trace_record,) = _records(tmp_path / "out", "traces.jsonl").values()
    assert trace_record["tags"] == ["x"] and trace_record["metadata"] == {"error": "bad"}


def test_experiment_directory_is_accepted_by_fluxloop_parse(both_routes: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    _, inputs, _ = both_routes
    experiment = tmp_path / "exp_converted"
    assert main(["convert", str(inputs), "-o", str(tmp_path / "out"), "--experiment", str(experiment), "-q"]) == 0
    summaries = [json.loads(line) for line in (experiment / "trace_summary.jsonl").read_text().splitlines()]
    capital = [s for s in summaries if s["input"] == "What is the capital of France?"]
    assert len(capital) == 3 and {s["iteration"] for s in capital} == {0, 1, 2}
    assert all(s["output"] == "Paris ✓ — «ok»" and s["success"] is True for s in capital)
    assert capital[0]["token_usage"] == {"prompt_tokens": 21.0, "completion_tokens": 4.0, "total_tokens": 25.0}
    errors = json.loads((experiment / "errors.json").read_text())
    assert [e["error"] for e in errors] == ["division by zero"]
    fluxloop = Path(sys.executable).with_name("fluxloop")
    done = subprocess.run([str(fluxloop), "parse", "experiment", str(experiment)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    per_trace = [json.loads(line) for line in (experiment / "per_trace_analysis" / "per_trace.jsonl").read_text().splitlines()]
    assert len(per_trace) == len(summaries)
    timeline = next(t for t in per_trace if t["trace_id"] == capital[0]["trace_id"])["timeline"]
    assert timeline[0]["type"] == "agent" and {step["type"] for step in timeline} >= {"tool", "generation", "retrieval"}


def test_output_files_are_not_replaced_by_accident(both_routes: tuple[Path, Path, list[Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, inputs, spans = both_routes
    out = tmp_path / "out"
    assert main(["convert", str(inputs), "-o", str(out), "-q"]) == 0
    first = (out / "observations.jsonl").read_text()
    assert main(["convert", str(inputs), "-o", str(out), "-q"]) == 2
    assert "--append" in capsys.readouterr().err
    assert main(["convert", str(inputs), "-o", str(out), "--append", "-q"]) == 0
    assert (out / "observations.jsonl").read_text() == first * 2
    assert main(["convert", str(inputs), "-o", str(out), "--overwrite", "-q"]) == 0
    assert (out / "observations.jsonl").read_text() == first
    assert main(["convert", str(tmp_path / "nope.json"), "-o", str(out), "--overwrite"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_gzip_is_detected_by_content_not_name(both_routes: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    _, inputs, _ = both_routes
    renamed = tmp_path / "spans-rotated.json"  # gzip content under a .json name
    renamed.write_bytes((inputs / "spans-2.json.gz").read_bytes())
    assert gzip.decompress(renamed.read_bytes())
    assert main(["convert", str(renamed), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert (tmp_path / "out" / "observations.jsonl").stat().st_size > 0
