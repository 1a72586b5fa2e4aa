"""A realistic application traced well (issue 11): LangChain 1.x ``create_agent`` inside a
LangGraph graph, the real ``ChatOpenAI``/``OpenAIEmbeddings`` and ``openai`` client against a
loopback OpenAI-compatible server, tools doing HTTP, a vector-store retriever, streaming, thread
ids, with the real openai-v2 and httpx instrumentations active beside ours.

One trace per invoke, typed spans, tokens equal to what the server billed (JSONL, ``show``, the
FluxLoop CLI's own usage readers and ``fluxloop parse``), provider response ids and models,
session on every span, a pasted API key masked wherever it leaves the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fluxloop_otel.cli.show import billed_tokens
from fluxloop_otel.export.fluxloop.records import DUPLICATE_USAGE
from fluxloop_otel.semconv import attributes as A

from support.e2e_harness import PASTED_KEY, QUESTIONS, THREAD, AppRun
from support.openai_server import MODEL

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def _invoke_traces(run: AppRun) -> dict[str, list[dict[str, Any]]]:
    """Observation records per trace, for the traces of the two questions (not the indexing)."""
    by_trace: dict[str, list[dict[str, Any]]] = {}
    for record in run.records():
        by_trace.setdefault(record["trace_id"], []).append(record)
    return {trace: records for trace, records in by_trace.items() if any(r["name"] == "support_app" for r in records)}


def test_one_trace_per_invoke_with_typed_spans(app_run: AppRun) -> None:
    traces = _invoke_traces(app_run)
    assert len(traces) == len(QUESTIONS)
    roots = [s for s in app_run.spans if s.name == "invoke_agent support_app"]
    assert len(roots) == len(QUESTIONS) and all(root.parent is None for root in roots)
    trace_ids = {root.context.trace_id for root in roots}
    for span in app_run.spans:  # every span of a turn is in its root's trace (the indexing is its own)
        if span.name.startswith("chat "):
            assert span.context.trace_id in trace_ids
    kinds = {record["type"] for records in traces.values() for record in records}
    assert {"agent", "generation", "tool", "retrieval", "embedding", "chain"} <= kinds
    lines = app_run.records("traces.jsonl")
    assert sum(1 for line in lines if line["name"] == "support_app") == len(QUESTIONS)


def test_token_sums_equal_what_the_server_billed(app_run: AppRun) -> None:
    from fluxloop_cli.token_usage import extract_token_usage_from_observations

    records = app_run.records()
    billed = app_run.server.billed_tokens()
    assert billed > 0
    # Both our generation and openai-v2's chat span carry the usage of each call...
    chats = [b for b in app_run.server.billed if b.kind == "chat"]
    with_usage = [s for s in app_run.spans if s.name.startswith("chat ") and A.GEN_AI_USAGE_INPUT_TOKENS in s.attributes]
    assert len(with_usage) == 2 * len(chats)
    # ...and every sum counts it once.
    assert sum(r.get("total_tokens", 0) for r in records) == billed
    assert billed_tokens(records) == billed
    assert extract_token_usage_from_observations(records)["total_tokens"] == billed  # the FluxLoop CLI's reader
    duplicates = [r for r in records if DUPLICATE_USAGE in r["metadata"]]
    assert len(duplicates) == len(chats)  # each of our generations points at the provider span that counted
    ids = {r["id"] for r in records}
    assert all(r["metadata"][DUPLICATE_USAGE]["counted_in"] in ids for r in duplicates)
    for trace, ours in _invoke_traces(app_run).items():
        assert sum(r.get("total_tokens", 0) for r in ours) > 0, trace
    # Embeddings: our span has no usage (LangChain does not report it), openai-v2's has; counted once.
    embedded = app_run.server.billed_tokens("embeddings")
    assert sum(r.get("total_tokens", 0) for r in records if r["type"] == "embedding") == embedded


def test_show_reports_what_was_billed(app_run: AppRun) -> None:
    done = subprocess.run(
        [str(BIN / "fluxloop-otel"), "show", str(app_run.directory), "--last", "0", "--no-io"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": str(BIN)},
    )
    assert done.returncode == 0, done.stderr
    import re

    shown = sum(int(n) for n in re.findall(r"observations, (\d+) tokens", done.stdout))
    assert shown == app_run.server.billed_tokens()
    assert "counted in the nested call" in done.stdout


def test_fluxloop_cli_parse_sums_what_was_billed(app_run: AppRun, tmp_path: Path) -> None:
    """``fluxloop parse experiment`` on our files; the CLI's evaluation reader sums its timelines."""
    from fluxloop_cli.evaluation.rules import extract_token_usage_from_trace

    experiment = tmp_path / "experiment"
    experiment.mkdir()
    records = app_run.records()
    (experiment / "observations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    trace_ids = list(dict.fromkeys(r["trace_id"] for r in records))
    summaries = [
        {"trace_id": trace_id, "iteration": index, "persona": None, "input": "q", "output": "a", "duration_ms": 1.0, "success": True}
        for index, trace_id in enumerate(trace_ids)
    ]
    (experiment / "trace_summary.jsonl").write_text("".join(json.dumps(s) + "\n" for s in summaries))
    done = subprocess.run(
        [str(BIN / "fluxloop"), "parse", "experiment", str(experiment)],
        capture_output=True, text=True, timeout=180, cwd=tmp_path, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    parsed = [json.loads(line) for line in (experiment / "per_trace_analysis" / "per_trace.jsonl").read_text().splitlines()]
    assert len(parsed) == len(trace_ids)
    total = sum((extract_token_usage_from_trace(record) or {"total": 0})["total"] for record in parsed)
    assert total == app_run.server.billed_tokens()


def test_response_ids_and_models_are_the_providers(app_run: AppRun) -> None:
    ours = [s for s in app_run.ours() if s.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE) == "generation"]
    provider = [s for s in app_run.spans if s.name.startswith("chat ") and s not in ours]
    chats = [b.response_id for b in app_run.server.billed if b.kind == "chat"]
    assert len(ours) == len(chats)
    for span in ours:
        assert span.attributes[A.LLM_MODEL_NAME] == MODEL
        assert span.attributes[A.GEN_AI_RESPONSE_MODEL] == MODEL
        assert span.attributes[A.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert sorted(s.attributes[A.GEN_AI_RESPONSE_ID] for s in provider) == sorted(chats)
    if app_run.mode == "invoke":
        assert sorted(s.attributes[A.GEN_AI_RESPONSE_ID] for s in ours) == sorted(chats)
    else:  # langchain-openai drops the provider id from streamed chunks: nothing to read
        assert all(A.GEN_AI_RESPONSE_ID not in s.attributes for s in ours)


def test_streamed_generations_say_so_in_the_jsonl(app_run: AppRun) -> None:
    ours = [r for r in app_run.records() if r["type"] == "generation" and DUPLICATE_USAGE in r["metadata"]]
    assert ours
    streamed = app_run.mode == "stream"
    for record in ours:
        assert record["llm_parameters"].get("stream", False) is streamed, record["llm_parameters"]
    spans = [s for s in app_run.ours() if s.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE) == "generation"]
    assert all(s.attributes.get(A.GEN_AI_REQUEST_STREAM, False) is streamed for s in spans)


def test_retrieved_documents_keep_their_metadata(app_run: AppRun) -> None:
    retrievals = [r for r in app_run.records() if r["type"] == "retrieval"]
    assert len(retrievals) == 1
    documents = retrievals[0]["output"]
    assert documents and all(set(d) >= {"id", "content", "metadata"} for d in documents)
    from support.realistic_app import DOCUMENTS

    stored = {doc.id: doc for doc in DOCUMENTS}
    for document in documents:
        assert document["metadata"] == stored[document["id"]].metadata
        assert document["content"] == stored[document["id"]].page_content


def test_command_outputs_are_compact(app_run: AppRun) -> None:
    triage = [r for r in app_run.records() if r["name"] == "triage"]
    assert triage and all(r["output"] == {"goto": "assistant", "update": {"messages": []}} for r in triage)
    agent = [r for r in app_run.records() if r["name"] == "support_app"][0]
    messages = agent["output"]["messages"]
    assert set(messages[0]) <= {"type", "content", "name", "tool_calls", "tool_call_id"}  # compact form


def test_thread_id_is_the_session_of_every_span(app_run: AppRun) -> None:
    turn_traces = {s.context.trace_id for s in app_run.spans if s.name == "invoke_agent support_app"}
    in_turns = [s for s in app_run.spans if s.context.trace_id in turn_traces]
    scopes = {s.instrumentation_scope.name.split(".")[0:3][-1] for s in in_turns}
    assert len(app_run.foreign("opentelemetry.instrumentation.httpx")) > 0 and len(scopes) >= 3
    for span in in_turns:
        assert span.attributes.get(A.SESSION_ID) == THREAD, (span.name, span.instrumentation_scope.name)
        assert span.attributes.get(A.GEN_AI_CONVERSATION_ID) == THREAD, span.name
    assert {t["session_id"] for t in app_run.records("traces.jsonl") if t["name"] == "support_app"} == {THREAD}


def test_a_pasted_api_key_never_leaves_unmasked(app_run: AppRun) -> None:
    # openai-v2 copied the question, key included, into its span...
    copied = [s for s in app_run.spans if PASTED_KEY in json.dumps(dict(s.attributes))]
    assert copied and all(not s.instrumentation_scope.name.startswith("fluxloop_otel") for s in copied)
    # ...and what left the process is masked: the OTLP receiver's bytes and the JSONL.
    received = json.dumps([s.attributes for s in app_run.received])
    assert PASTED_KEY not in received and "my key is ***" in received
    assert PASTED_KEY not in app_run.directory.joinpath("observations.jsonl").read_text()
    assert len(app_run.received) == len(app_run.spans)
