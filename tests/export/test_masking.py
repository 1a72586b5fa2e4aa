"""Masking covers every exported span: other instrumentations' attributes and events are
secret-masked on the way to OTLP (a real loopback OTLP receiver) and to the JSONL, unless
``mask_secrets=False``. (openai-v2 copying a pasted key: tests/e2e/test_realistic_app.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

import fluxloop_otel as fl
from fluxloop_otel.convert.converter import Converter, ConvertOptions
from fluxloop_otel.export.masking import mask_attributes
from fluxloop_otel.serialization import MASK, SecretMasker

KEY = "sk-proj-Abcdefghijklmnopqrstuvwx0123"
BEARER = "Bearer abcdefghijklmnopqrstuvwxyz"


def _foreign_span(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("opentelemetry.instrumentation.someone_else")
    with tracer.start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.input.messages", json.dumps([{"role": "user", "parts": [{"type": "text", "content": f"my key is {KEY}"}]}]))
        span.set_attribute("http.request.header.authorization", [BEARER])
        span.set_attribute("input.value", f"question with {KEY}")  # OpenInference-style instrumentations
        span.set_attribute("x.api_key", "short")
        span.set_attribute("gen_ai.usage.input_tokens", 12)
        span.add_event("gen_ai.choice", {"message": f"use {KEY}"})


def _run(tmp_path: Path, sink: Any, **options: Any) -> tuple[str, str]:
    provider = TracerProvider()
    directory = tmp_path / "traces"
    fl.configure(tracer_provider=provider, offline_store_dir=str(directory), otlp_endpoint=sink.endpoint, flush_interval=0.05, **options)
    try:
        _foreign_span(provider)
        assert fl.force_flush(10)
        received = sink.wait_for_spans(1)
        return json.dumps([span.attributes for span in received]), (directory / "observations.jsonl").read_text()
    finally:
        fl.shutdown()
        provider.shutdown()


def test_foreign_spans_are_masked_to_otlp_and_jsonl(tmp_path: Path, http_sink: Any) -> None:
    otlp, jsonl = _run(tmp_path, http_sink)
    for text in (otlp, jsonl):
        assert KEY not in text and "abcdefghijklmnopqrstuvwxyz" not in text and '"short"' not in text
        assert MASK in text
    assert json.loads(jsonl)["input"] == f"question with {MASK}"
    received = http_sink.spans()[0].attributes
    assert received["gen_ai.usage.input_tokens"] == 12
    assert received["http.request.header.authorization"] == [MASK]
    assert json.loads(received["gen_ai.input.messages"])[0]["parts"][0]["content"] == f"my key is {MASK}"


def test_mask_secrets_false_leaves_them(tmp_path: Path, http_sink: Any) -> None:
    otlp, jsonl = _run(tmp_path, http_sink, mask_secrets=False)
    assert KEY in otlp and KEY in jsonl


def test_convert_masks_collected_spans(tmp_path: Path) -> None:
    span = {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "name": "chat",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
        "attributes": [{"key": "input.value", "value": {"stringValue": f"key {KEY}"}}],
        "events": [{"name": "e", "attributes": [{"key": "m", "value": {"stringValue": BEARER}}]}],
    }
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "x"}, "spans": [span]}]}]}
    source = tmp_path / "spans.json"
    source.write_text(json.dumps(document) + "\n")
    for mask, expect_key in ((True, False), (False, True)):
        converter = Converter(tmp_path / f"out-{mask}", ConvertOptions(mask_secrets=mask))
        converter.convert_file(str(source))
        converter.close()
        text = (tmp_path / f"out-{mask}" / "observations.jsonl").read_text()
        assert (KEY in text) is expect_key


@pytest.mark.parametrize(
    "attributes, expected",
    [
        ({"a": "plain text, long enough to scan"}, None),
        ({"n": 3, "b": True}, None),
        ({"m": f"x {KEY}"}, {"m": f"x {MASK}"}),
        ({"password": "hunter2"}, {"password": MASK}),
        ({"headers.authorization": ("a", "b")}, {"headers.authorization": (MASK, MASK)}),
    ],
)
def test_mask_attributes(attributes: dict[str, Any], expected: Any) -> None:
    assert mask_attributes(attributes, SecretMasker()) == expected
    assert mask_attributes(attributes, SecretMasker(enabled=False)) is None
