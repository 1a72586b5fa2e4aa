"""``convert`` on malformed input: every problem is reported with file and line, the rest is
converted, nothing raises. Hypothesis mutates valid OTLP/JSON lines (wrong types, missing and
malformed ids, huge arrays, deep nesting, invalid UTF-8, random bytes)."""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxloop_otel.cli.main import main
from fluxloop_otel.convert.converter import Converter
from fluxloop_otel.export.otlp_json.decode import decode_document

TRACE_ID = "5b8efff798038103d269b633813fc60c"


def span(span_id: str = "eee19b7ec3c1b174", **changes: Any) -> dict[str, Any]:
    value = {
        "traceId": TRACE_ID,
        "spanId": span_id,
        "name": "execute_tool lookup",
        "kind": 1,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000500000000",
        "attributes": [
            {"key": "fluxloop.observation.type", "value": {"stringValue": "tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "lookup"}},
            {"key": "input.value", "value": {"stringValue": "{\"k\": 1}"}},
            {"key": "input.mime_type", "value": {"stringValue": "application/json"}},
            {"key": "n", "value": {"intValue": "3"}},
            {"key": "list", "value": {"arrayValue": {"values": [{"doubleValue": 1.5}, {"boolValue": True}]}}},
        ],
        "events": [{"timeUnixNano": "1700000000400000000", "name": "exception", "attributes": [{"key": "exception.type", "value": {"stringValue": "KeyError"}}]}],
        "status": {"code": 2, "message": "boom"},
    }
    value.update(changes)
    return value


def document(*spans: dict[str, Any]) -> dict[str, Any]:
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}, "scopeSpans": [{"scope": {"name": "x"}, "spans": list(spans)}]}]}


def line(*spans: dict[str, Any]) -> bytes:
    return json.dumps(document(*spans)).encode() + b"\n"


def convert(tmp_path: Path, data: bytes, *extra: str, name: str = "input.json") -> tuple[int, str, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    code = main(["convert", str(path), "-o", str(out), "--overwrite", "-q", "--show-problems", "100", *extra])
    observations = out / "observations.jsonl"
    records = [json.loads(x) for x in observations.read_text().splitlines()] if observations.exists() else []
    return code, str(path), records


BAD_LINES = [
    (b"{not json\n", "invalid JSON"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "\xff\xfe"}]}]}]}\n', "not valid UTF-8"),
    (line(span(traceId="xyz")), "traceId 'xyz' is not 32 hex digits"),
    (line(span(traceId="0x" + TRACE_ID[2:])), "is not hexadecimal"),
    (line(span(spanId=None)), "spanId is missing"),
    (line(span(traceId="0" * 32)), "all zeros"),
    (line(span(startTimeUnixNano="yesterday")), "startTimeUnixNano 'yesterday' is not a decimal integer"),
    (line(span(startTimeUnixNano="-5")), "out of range"),
    (line(span(attributes="nope")), "attributes must be a list"),
    (line(span(attributes=[{"key": 5, "value": {}}])), "attribute key must be a string"),
    (line(span(attributes=[{"key": "n", "value": {"intValue": "1.5"}}])), "intValue '1.5' is not a decimal integer"),
    (line(span(status={"code": 7})), "status.code '7' is not 0, 1 or 2"),
    (line(span(name=["list"])), "name must be a string"),
    (b'{"resourceSpans": {"oops": 1}}\n', "resourceSpans must be a list"),
    (b"[1, 2, 3]\n", "expected a JSON object"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_each_problem_names_file_line_and_cause(tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: bytes, message: str) -> None:
    data = line(span()) + b"\n" + bad + line(span("aaaaaaaaaaaaaaaa"))
    code, path, records = convert(tmp_path, data)
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}:3" in err and message in err, err
    assert len(records) == 2  # the good lines before and after are converted


def test_one_bad_span_does_not_hide_its_neighbours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, path, records = convert(tmp_path, line(span("1111111111111111"), span("2222", name="bad id"), span("3333333333333333")))
    assert code == 1 and len(records) == 2
    assert f"{path}:1: resourceSpans[0].scopeSpans[0].spans[1]: spanId '2222' is not 16 hex digits" in capsys.readouterr().err


def test_overlong_and_truncated_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = line(span(attributes=[{"key": "big", "value": {"stringValue": "x" * 5000}}]))
    truncated = line(span("bbbbbbbbbbbbbbbb"))[:-40]  # a collector killed mid-write
    code, path, records = convert(tmp_path, line(span()) + huge + line(span("cccccccccccccccc")) + truncated, "--max-line-bytes", "4096")
    err = capsys.readouterr().err
    assert code == 1 and len(records) == 2
    assert f"{path}:2: line longer than 4096 bytes; skipped" in err and f"{path}:4: invalid JSON" in err


def test_corrupt_gzip_and_zstd_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [line(span(f"{index:016x}", name=f"s{index}-{index * 7919 % 10007}")) for index in range(1, 400)]
    packed = gzip.compress(b"".join(lines))
    (tmp_path / "cut.json.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "z.json.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    (tmp_path / "good.json").write_bytes(line(span("dddddddddddddddd")))
    code = main(["convert", str(tmp_path / "cut.json.gz"), str(tmp_path / "z.json.zst"), str(tmp_path / "good.json"), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert "cut.json.gz:" in err and "z.json.zst: zstd-compressed" in err
    observations = (tmp_path / "out" / "observations.jsonl").read_text()
    assert "dddd-dddddddddddd" in observations  # the file after the damaged ones is converted
    assert observations.count("-0000-0000000000") > 5  # and the lines before the cut in the gzip file


# -- fuzzing ----------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
SPAN_FIELDS = ["traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano", "attributes", "events", "status", "flags", "links"]
ATTRIBUTE_VALUE_KINDS = ["stringValue", "intValue", "doubleValue", "boolValue", "arrayValue", "kvlistValue", "bytesValue"]


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid document with a few random edits: fields replaced by random JSON, removed, ids
    garbled, attribute values of the wrong kind, huge arrays, deep nesting."""
    doc = document(span(), span("0123456789abcdef", parentSpanId="eee19b7ec3c1b174"))
    target = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    for _ in range(draw(st.integers(1, 4))):
        victim = target[draw(st.integers(0, 1))]
        edit = draw(st.sampled_from(["replace", "delete", "id", "attribute", "huge", "deep", "container"]))
        field = draw(st.sampled_from(SPAN_FIELDS))
        if edit == "replace":
            victim[field] = draw(json_values)
        elif edit == "delete":
            victim.pop(field, None)
        elif edit == "id":
            victim[draw(st.sampled_from(["traceId", "spanId", "parentSpanId"]))] = draw(st.text(alphabet="0123456789abcdefxyzABC=+/_- ", max_size=40))
        elif edit == "attribute":
            kind = draw(st.sampled_from(ATTRIBUTE_VALUE_KINDS))
            victim["attributes"] = [{"key": draw(st.text(max_size=10)), "value": {kind: draw(json_values)}}]
        elif edit == "huge":
            victim["attributes"] = [{"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "t"}] * draw(st.integers(1000, 20000))}}}]
        elif edit == "deep":
            value: dict[str, Any] = {"stringValue": "leaf"}
            for _ in range(draw(st.integers(1, 60))):
                value = {"arrayValue": {"values": [value]}}
            victim["attributes"] = [{"key": "deep", "value": value}]
        else:
            container = draw(st.sampled_from(["resourceSpans", "scopeSpans", "spans"]))
            if container == "resourceSpans":
                doc["resourceSpans"] = draw(json_values)
            elif container == "scopeSpans":
                doc["resourceSpans"][0]["scopeSpans"] = draw(json_values)
            else:
                doc["resourceSpans"][0]["scopeSpans"][0]["spans"] = draw(json_values)
            break
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=mutated_documents())
def test_fuzzed_documents_never_raise(doc: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever the damage: no exception, every problem located, and the output is valid FluxLoop
    JSONL holding one observation per span at most."""
    problems: list[str] = []
    directory = tmp_path_factory.mktemp("fuzz")
    converter = Converter(directory, on_problem=problems.append)
    try:
        converter._convert_document(copy.deepcopy(doc), "in.json:1")
    finally:
        converter.close()
    report = converter.report
    assert report.problems == len(problems)
    assert all(problem.startswith("in.json:1: ") for problem in problems), problems
    assert report.observations <= report.spans and report.traces <= report.spans
    path = directory / "observations.jsonl"
    written = [json.loads(text) for text in path.read_text().splitlines()] if path.exists() else []
    assert len(written) == report.observations
    assert all(set(record) >= {"id", "type", "name", "start_time", "trace_id"} for record in written)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(st.binary(max_size=200) | st.sampled_from([line(span()), b"\xff\xfe\xfa\n", b"{}\n", b"null\n"]), min_size=1, max_size=8))
def test_fuzzed_bytes_never_raise(chunks: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = tmp_path_factory.mktemp("bytes")
    path = directory / "in.json"
    path.write_bytes(b"".join(chunks))
    problems: list[str] = []
    converter = Converter(directory / "out", on_problem=problems.append)
    try:
        converter.convert_file(str(path))
    finally:
        converter.close()
    assert all(re.match(re.escape(str(path)) + r":(\d+)?[: ]", problem) for problem in problems), problems


def test_decoder_accepts_protobuf_json_variants() -> None:
    """snake_case names, base64 ids, enum names and numeric int64s are what protobuf's own JSON
    printer/parser use; they decode to the same span."""
    camel = document(span(parentSpanId="0123456789abcdef"))
    variant = {
        "resource_spans": [
            {
                "scope_spans": [
                    {
                        "spans": [
                            {
                                "trace_id": "W47/95gDgQPSabYzgT/GDA==",
                                "span_id": "7uGbfsPBsXQ=",
                                "parent_span_id": "ASNFZ4mrze8=",
                                "name": "execute_tool lookup",
                                "start_time_unix_nano": 1700000000000000000,
                                "end_time_unix_nano": 1700000000500000000,
                                "attributes": camel["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"],
                                "events": camel["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["events"],
                                "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                            }
                        ]
                    }
                ]
            }
        ]
    }
    (first,), (second,) = list(decode_document(camel)), list(decode_document(variant))
    assert first.view == second.view
