"""Property tests for what was not fuzzed yet: the FluxLoop record builder (``records.py``, shared
by the JSONL processor and ``convert``), JSONL line encoding, option values from the
environment and ``configure()``, ``.env`` files, and secret masking.

(Already fuzzed: the serializer — tests/serialization/test_serializer.py; ids — tests/semconv/test_ids.py;
``convert`` input — tests/convert/test_convert_errors.py; runner targets, inputs and config —
tests/runner/test_runner_targets.py, test_runner_parsers.py.)
"""

from __future__ import annotations

import datetime
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fluxloop_otel.config.options import OPTIONS, resolve_settings
from fluxloop_otel.export.fluxloop.processor import record_lines
from fluxloop_otel.export.fluxloop.records import SpanEvent, SpanView, observation_record, trace_record
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import observation_uuid, trace_uuid, workflow_root_span_id
from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.serialization.redaction import MASK, SecretMasker

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- values ---------------------------------------------------------------------------------------
texts = st.text(max_size=40) | st.sampled_from(
    ["", "{}", "[1,2]", '{"a":1}', "null", "NaN", "\ud800", '{"x": NaN}']
)
scalars = (
    texts | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=True, allow_infinity=True)
)
# What SDK spans carry (scalars, homogeneous tuples) and what convert decodes besides
# (heterogeneous/nested arrays, kvlists as dicts, None).
attribute_values = st.recursive(
    scalars | st.none(),
    lambda inner: (
        st.lists(inner, max_size=4).map(tuple) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KNOWN_KEYS = [
    A.FLUXLOOP_OBSERVATION_TYPE,
    A.FLUXLOOP_OBSERVATION_NAME,
    A.FLUXLOOP_OBSERVATION_LEVEL,
    A.FLUXLOOP_TRACE_ID,
    A.FLUXLOOP_TRACE_EXTERNAL,
    A.OPENINFERENCE_SPAN_KIND,
    A.GEN_AI_OPERATION_NAME,
    A.GEN_AI_AGENT_NAME,
    A.GEN_AI_TOOL_NAME,
    A.GEN_AI_TOOL_DESCRIPTION,
    A.GEN_AI_WORKFLOW_NAME,
    A.GEN_AI_REQUEST_MODEL,
    A.GEN_AI_RESPONSE_MODEL,
    A.LLM_MODEL_NAME,
    A.EMBEDDING_MODEL_NAME,
    A.LLM_INVOCATION_PARAMETERS,
    A.GEN_AI_USAGE_INPUT_TOKENS,
    A.GEN_AI_USAGE_OUTPUT_TOKENS,
    A.LLM_TOKEN_COUNT_PROMPT,
    A.LLM_TOKEN_COUNT_COMPLETION,
    A.LLM_TOKEN_COUNT_TOTAL,
    A.INPUT_VALUE,
    A.INPUT_MIME_TYPE,
    A.OUTPUT_VALUE,
    A.OUTPUT_MIME_TYPE,
    A.METADATA,
    A.SESSION_ID,
    A.USER_ID,
    A.TAG_TAGS,
    A.ERROR_TYPE,
]
TYPE_VALUES = [
    "agent",
    "tool",
    "generation",
    "retrieval",
    "embedding",
    "chain",
    "span",
    "event",
    "evaluation",
]
key_values = {
    A.FLUXLOOP_OBSERVATION_TYPE: st.sampled_from(TYPE_VALUES) | attribute_values,
    A.OPENINFERENCE_SPAN_KIND: st.sampled_from(
        ["AGENT", "TOOL", "LLM", "RETRIEVER", "EMBEDDING", "CHAIN", "llm", "x"]
    )
    | attribute_values,
    A.GEN_AI_OPERATION_NAME: st.sampled_from(
        ["invoke_agent", "execute_tool", "chat", "embeddings", "retrieval", "x"]
    )
    | attribute_values,
    A.INPUT_MIME_TYPE: st.just(A.MIME_JSON) | attribute_values,
    A.OUTPUT_MIME_TYPE: st.just(A.MIME_JSON) | attribute_values,
}


@st.composite
def attributes(draw: Any) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(KNOWN_KEYS), unique=True, max_size=12))
    result = {key: draw(key_values.get(key, attribute_values)) for key in chosen}
    result.update(draw(st.dictionaries(st.text(max_size=12), attribute_values, max_size=4)))
    return result


ids128 = st.integers(1, 2**128 - 1)
ids64 = st.integers(1, 2**64 - 1)
times = st.integers(0, 2**64 - 1)
events = st.lists(
    st.builds(
        SpanEvent,
        st.sampled_from(["exception", "log", ""]),
        st.dictionaries(
            st.sampled_from(["exception.message", "exception.type", "exception.stacktrace", "x"]),
            attribute_values,
            max_size=3,
        ),
    ),
    max_size=3,
)


@st.composite
def span_views(draw: Any) -> SpanView:
    trace_id = draw(ids128)
    span_id = draw(ids64 | st.just(workflow_root_span_id(trace_id)))
    parent = draw(st.none() | ids64 | st.just(workflow_root_span_id(trace_id)))
    start = draw(times)
    return SpanView(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=draw(texts),
        start_time_ns=start,
        end_time_ns=draw(times),
        attributes=draw(attributes()),
        status_code=draw(st.sampled_from(["UNSET", "OK", "ERROR"])),
        status_message=draw(st.none() | texts),
        events=draw(events),
        parent_is_remote=draw(st.booleans()),
    )


def _strict_loads(line: bytes) -> Any:
    """JSON as any reader accepts it: no NaN/Infinity tokens, one line."""

    def reject(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    assert line.endswith(b"\n") and b"\n" not in line[:-1] and b"\r" not in line[:-1]
    return json.loads(line, parse_constant=reject)


def _iso(text: str) -> datetime.datetime:
    assert text.endswith("+00:00")
    return datetime.datetime.fromisoformat(text)


# -- the record builder ----------------------------------------------------------------------------
@FAST
@given(span_views(), st.booleans())
def test_observation_record_is_valid_and_consistent(view: SpanView, include_foreign: bool) -> None:
    record = observation_record(view, include_foreign)
    if record is None:
        is_root = A.FLUXLOOP_TRACE_ID in view.attributes and view.span_id == workflow_root_span_id(
            view.trace_id
        )
        assert is_root or not include_foreign
        return
    line = _json.dumps_line(record)
    decoded = _strict_loads(line)
    assert decoded["id"] == observation_uuid(view.trace_id, view.span_id)
    assert decoded["id"].replace("-", "")[16:] == f"{view.span_id:016x}"
    assert decoded["trace_id"] == trace_uuid(view.trace_id)
    if view.parent_span_id is None or view.parent_span_id == workflow_root_span_id(view.trace_id):
        assert "parent_observation_id" not in decoded
    else:
        assert decoded["parent_observation_id"] == observation_uuid(view.trace_id, view.parent_span_id)
    assert isinstance(decoded["type"], str) and isinstance(decoded["name"], str)
    assert isinstance(decoded["level"], str) and isinstance(decoded["metadata"], dict)
    _iso(decoded["start_time"]), _iso(decoded["end_time"])
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert key not in decoded or type(decoded[key]) is int
    if view.status_code == "ERROR":
        level = view.attributes.get(A.FLUXLOOP_OBSERVATION_LEVEL)
        assert decoded["level"] == (level if isinstance(level, str) and level else "error")
        assert isinstance(decoded["error"], str)


@FAST
@given(span_views())
def test_trace_record_is_valid_and_consistent(view: SpanView) -> None:
    record = trace_record(view)
    root = (
        view.parent_span_id is None
        or view.parent_is_remote
        or (A.FLUXLOOP_TRACE_ID in view.attributes and view.span_id == workflow_root_span_id(view.trace_id))
    )
    if not root or view.attributes.get(A.FLUXLOOP_TRACE_EXTERNAL):
        assert record is None
        return
    assert record is not None
    decoded = _strict_loads(_json.dumps_line(record))
    assert decoded["id"] == trace_uuid(view.trace_id)
    assert isinstance(decoded["metadata"], dict) and all(isinstance(tag, str) for tag in decoded["tags"])
    _iso(decoded["start_time"]), _iso(decoded["end_time"])


@FAST
@given(span_views(), st.booleans(), st.booleans())
def test_record_lines_are_single_parsable_lines(view: SpanView, include_foreign: bool, daily: bool) -> None:
    lines = list(record_lines(view, include_foreign, daily))
    assert len(lines) <= 2
    for name, line in lines:
        assert name.startswith(("observations", "traces")) and name.endswith(".jsonl")
        assert isinstance(_strict_loads(line), dict)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=16,
)


@FAST
@given(json_values)
def test_jsonl_line_encoding_is_always_one_standard_json_line(value: Any) -> None:
    """Huge integers, lone surrogates, NaN and infinities included."""
    decoded = _strict_loads(_json.dumps_line(value))

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, float) and not math.isfinite(a):
            return b is None
        if isinstance(a, float) and isinstance(b, (int, float)):
            return a == b
        if isinstance(a, list):
            return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, str) and isinstance(b, str):
            return a.encode("utf-8", "surrogatepass") == b.encode("utf-8", "surrogatepass") or "\ufffd" in b
        return a == b

    assert same(value, decoded)


# -- configuration -------------------------------------------------------------------------------
ENV_NAMES = sorted({name for option in OPTIONS for name in option.env})


@FAST
@given(st.dictionaries(st.sampled_from(ENV_NAMES), st.text(max_size=20), max_size=8))
def test_any_environment_resolves(environ: dict[str, str]) -> None:
    """Bad variable values are warned about and replaced by defaults; never an exception."""
    settings_ = resolve_settings({}, environ)
    assert 0.0 <= float(settings_.sample_rate) <= 1.0
    assert settings_.max_queue_size >= 1 and settings_.batch_size >= 1 and settings_.max_content_chars >= 1


@FAST
@given(st.sampled_from([o.name for o in OPTIONS if o.name not in ("tracer_provider",)]), attribute_values)
def test_configure_options_fail_only_with_clear_errors(name: str, value: Any) -> None:
    try:
        resolve_settings({name: value}, {})
    except (TypeError, ValueError) as exc:
        assert name in str(exc) or name.split("_")[0] in str(exc), f"{name}={value!r}: {exc}"


# -- .env files ---------------------------------------------------------------------------------
@FAST
@given(content=st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")) | st.binary(max_size=200))
def test_any_env_file_loads_or_says_which_line(
    content: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from fluxloop_otel.config.dotenv import parse_env_file

    path = tmp_path_factory.mktemp("env") / ".env"
    path.write_bytes(content)
    try:
        values = parse_env_file(path)
    except ValueError as exc:
        assert str(path) in str(exc), exc
        return
    for key, value in values.items():
        assert isinstance(key, str) and isinstance(value, str) and "\x00" not in value + key


@FAST
@given(
    key=st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True),
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
)
def test_env_file_values_round_trip(key: str, value: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    from fluxloop_otel.config.dotenv import parse_env_file

    assume(value == value.strip() and "#" not in value and not (value[:1] in "'\"" and value))
    path = tmp_path_factory.mktemp("env") / ".env"
    path.write_text(
        f'{key}={value}\nQUOTED="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"\n',
        encoding="utf-8",
    )
    assert parse_env_file(path) == {key: value, "QUOTED": value}


# -- secret masking -------------------------------------------------------------------------------
secrets_ = st.one_of(
    st.from_regex(r"sk-(proj-)?[A-Za-z0-9]{20,30}", fullmatch=True),
    st.from_regex(r"ghp_[A-Za-z0-9]{36}", fullmatch=True),
    st.from_regex(r"AKIA[0-9A-Z]{16}", fullmatch=True),
    st.from_regex(r"xoxb-[0-9]{10}-[A-Za-z0-9]{12}", fullmatch=True),
    st.from_regex(r"hf_[A-Za-z0-9]{30}", fullmatch=True),
    st.from_regex(r"Bearer [A-Za-z0-9\-._~+/]{20,40}", fullmatch=True),
)


@FAST
@given(st.text(max_size=30), secrets_, st.text(max_size=30))
def test_secrets_inside_any_text_are_masked(before: str, secret: str, after: str) -> None:
    masker = SecretMasker()
    text = f"{before} {secret} {after}"
    masked = masker.mask_text(text)
    assert secret not in masked and MASK in masked
    assert masker.mask_text(masked) == masked  # idempotent


@FAST
@given(st.text(max_size=60))
def test_masking_never_raises_and_never_grows_text_much(text: str) -> None:
    masked = SecretMasker().mask_text(text)
    assert isinstance(masked, str) and len(masked) <= len(text) + len(MASK)


def test_file_stays_where_configured(tmp_path: Path) -> None:
    """The processor writes only inside its directory, whatever the span names look like."""
    view = SpanView(1, 2, None, "../../etc/passwd", 0, 0, {A.FLUXLOOP_OBSERVATION_NAME: "../x"})
    assert {name for name, _ in record_lines(view, True, True)} <= {
        f"observations_{datetime.datetime.fromtimestamp(0).strftime('%Y%m%d')}.jsonl",
        f"traces_{datetime.datetime.fromtimestamp(0).strftime('%Y%m%d')}.jsonl",
    }
    assert os.sep not in "".join(name for name, _ in record_lines(view, True, False))


def test_runner_reports_an_unreadable_env_file(tmp_path: Path) -> None:
    """Before the fix: a UnicodeDecodeError traceback from ``fluxloop-otel run``."""
    from fluxloop_otel.runner import ConfigError, Options, Session, build_config

    (tmp_path / "agent_module.py").write_text("def run(input):\n    return input\n")
    (tmp_path / "inputs.txt").write_text("hi\n")
    (tmp_path / "sim.yaml").write_text("runner:\n  target: agent_module:run\n")
    (tmp_path / ".env").write_bytes(b"GOOD=1\nBAD=caf\xe9\n")
    config = build_config(Options(config=Path("sim.yaml"), inputs=tmp_path / "inputs.txt"), cwd=tmp_path)
    with pytest.raises(ConfigError) as error:
        Session(config).prepare()
    assert str(error.value) == f"{tmp_path / '.env'}:2: not UTF-8 text (byte 0xe9)"


def test_env_file_double_quoted_non_ascii_and_escapes(tmp_path: Path) -> None:
    """Before the fix: "café" came back as "cafÃ©" and "\\x" raised UnicodeDecodeError."""
    from fluxloop_otel.config.dotenv import parse_env_file

    path = tmp_path / ".env"
    path.write_text('NAME="café \\"bar\\"\\n"\nWIN="C:\\x\\dir"\n', encoding="utf-8")
    assert parse_env_file(path) == {"NAME": 'café "bar"\n', "WIN": "C:\\x\\dir"}


def test_bad_otlp_protocol_variable_warns_and_uses_the_default(caplog: pytest.LogCaptureFixture) -> None:
    """Before the fix: OTEL_EXPORTER_OTLP_PROTOCOL=http made the first traced call raise ValueError."""
    import logging

    with caplog.at_level(logging.WARNING):
        assert resolve_settings({}, {"OTEL_EXPORTER_OTLP_PROTOCOL": "http"}).otlp_protocol == "http/protobuf"
    assert "OTEL_EXPORTER_OTLP_PROTOCOL='http'" in caplog.text
    with pytest.raises(ValueError, match="otlp_protocol"):
        resolve_settings({"otlp_protocol": "http"}, {})


def test_error_span_with_a_non_text_level_is_an_error_record() -> None:
    """Before the fix: a non-string ``fluxloop.observation.level`` made an ERROR span's record level "info"."""
    view = SpanView(
        1, 2, None, "s", 0, 0, {A.FLUXLOOP_OBSERVATION_LEVEL: 3}, status_code="ERROR", status_message="boom"
    )
    record = observation_record(view)
    assert record is not None and (record["level"], record["error"]) == ("error", "boom")
