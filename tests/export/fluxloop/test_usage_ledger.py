"""One count per model call in the record builder (``UsageLedger``), in ``convert`` and in
``show``: a provider generation nested directly under ours keeps its span; the call is summed once.
(With the real openai-v2 instrumentation and the real client: tests/e2e/test_realistic_app.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fluxloop_otel.cli.show import billed_tokens
from fluxloop_otel.convert.converter import Converter
from fluxloop_otel.export.fluxloop.processor import record_lines
from fluxloop_otel.export.fluxloop.records import DUPLICATE_USAGE, SpanView, UsageLedger
from fluxloop_otel.semconv import attributes as A

TRACE = 0x0AF7651916CD43DD8448EB211C80319C


def _generation(span_id: int, parent: int | None, usage: tuple[int, int] | None, ours: bool = True, kind: str = "generation") -> SpanView:
    attributes: dict[str, Any] = {A.GEN_AI_OPERATION_NAME: "chat" if kind == "generation" else "embeddings"}
    if ours:
        attributes[A.FLUXLOOP_OBSERVATION_TYPE] = kind
    if usage is not None:
        attributes[A.GEN_AI_USAGE_INPUT_TOKENS], attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] = usage
    return SpanView(TRACE, span_id, parent, f"span-{span_id}", 1_700_000_000_000_000_000, 1_700_000_001_000_000_000, attributes)


def _records(*views: SpanView) -> list[dict[str, Any]]:
    ledger = UsageLedger()
    lines = [line for view in views for name, line in record_lines(view, ledger=ledger) if name == "observations.jsonl"]
    return [json.loads(line) for line in lines]


def test_nested_provider_span_counts_and_ours_points_at_it() -> None:
    provider, ours = _records(_generation(2, 1, (10, 5), ours=False), _generation(1, None, (10, 5)))
    assert provider["total_tokens"] == 15 and provider["type"] == "generation"
    assert "total_tokens" not in ours and "prompt_tokens" not in ours
    assert ours["metadata"][DUPLICATE_USAGE] == {"counted_in": provider["id"], "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert billed_tokens([provider, ours]) == 15


def test_a_decorated_call_making_two_requests_counts_both_requests() -> None:
    records = _records(_generation(2, 1, (10, 5), ours=False), _generation(3, 1, (4, 1), ours=False), _generation(1, None, (4, 1)))
    assert sum(r.get("total_tokens", 0) for r in records) == 20


def test_ours_counts_when_the_provider_span_has_no_usage() -> None:
    records = _records(_generation(2, 1, None, ours=False), _generation(1, None, (10, 5)))
    assert sum(r.get("total_tokens", 0) for r in records) == 15
    assert DUPLICATE_USAGE not in records[1]["metadata"]


def test_embeddings_and_unrelated_parents() -> None:
    records = _records(
        _generation(2, 1, (7, 0), ours=False, kind="embedding"),
        _generation(1, 9, None, kind="embedding"),  # ours, no usage: nothing to duplicate
        _generation(9, None, None, kind="agent"),
    )
    assert sum(r.get("total_tokens", 0) for r in records) == 7
    assert all(DUPLICATE_USAGE not in r["metadata"] for r in records)


def test_show_sums_older_files_once() -> None:
    parent = {"id": "p", "type": "generation", "total_tokens": 15}
    child = {"id": "c", "type": "generation", "total_tokens": 15, "parent_observation_id": "p"}
    other = {"id": "o", "type": "generation", "total_tokens": 3}
    assert billed_tokens([parent, child, other]) == 18


def _otlp_span(span_id: str, parent: str | None, usage: int, scope_marker: bool) -> dict[str, Any]:
    attributes = [
        {"key": A.GEN_AI_OPERATION_NAME, "value": {"stringValue": "chat"}},
        {"key": A.GEN_AI_USAGE_INPUT_TOKENS, "value": {"intValue": str(usage)}},
    ]
    if scope_marker:
        attributes.append({"key": A.FLUXLOOP_OBSERVATION_TYPE, "value": {"stringValue": "generation"}})
    span = {
        "traceId": f"{TRACE:032x}",
        "spanId": span_id,
        "name": "chat",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
        "attributes": attributes,
    }
    if parent:
        span["parentSpanId"] = parent
    return span


def test_convert_counts_once(tmp_path: Path) -> None:
    spans = [_otlp_span("00000000000000b2", "00000000000000b1", 11, False), _otlp_span("00000000000000b1", None, 11, True)]
    source = tmp_path / "spans.json"
    source.write_text(json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}) + "\n")
    converter = Converter(tmp_path / "out")
    converter.convert_file(str(source))
    converter.close()
    records = [json.loads(line) for line in (tmp_path / "out" / "observations.jsonl").read_text().splitlines()]
    assert sum(r.get("total_tokens", 0) for r in records) == 11
