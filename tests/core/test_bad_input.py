"""Bad input to the privacy API never affects the program: one clear warning, and a privacy
switch with a wrong value fails closed (nothing captured)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel as fl
from fluxloop_otel.instrumentation._telemetry import content_policy_from
from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry.policy import NOTHING, ContentPolicy


@pytest.mark.parametrize(
    "options, expected, warns",
    [
        ({"capture_content": True}, ContentPolicy(), False),
        ({"capture_content": False}, NOTHING, False),
        ({"capture_content": "span_and_event"}, ContentPolicy(True, True, True), False),
        ({"capture_content": "EVENT_ONLY"}, ContentPolicy(True, False, True), False),
        ({"capture_content": "yes please"}, NOTHING, True),
        ({"capture_content": 1.5}, NOTHING, True),
        ({"content_policy": {"record": True}}, NOTHING, True),
        ({"content_policy": ContentPolicy(True, False, False)}, ContentPolicy(True, False, False), False),
    ],
)
def test_instrument_content_options_fail_closed(options: dict[str, Any], expected: ContentPolicy, warns: bool, caplog: pytest.LogCaptureFixture) -> None:
    from fluxloop_otel.config.options import reset_warnings

    reset_warnings()
    caplog.set_level(logging.WARNING, logger="fluxloop_otel")
    assert content_policy_from(options) == expected
    assert content_policy_from(options) == expected
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == (1 if warns else 0)  # once per process, however often


def test_langchain_instrument_with_a_bad_capture_value_records_no_content() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = LangChainInstrumentor()
    was = instrumentor.is_instrumented_by_opentelemetry
    if was:
        instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=provider, capture_content="sometimes")
    try:
        GenericFakeChatModel(messages=iter([AIMessage("secret reply")])).invoke("secret question")
    finally:
        instrumentor.uninstrument()
    (span,) = exporter.get_finished_spans()
    text = json.dumps(dict(span.attributes))
    assert "secret" not in text and span.attributes[A.GEN_AI_OPERATION_NAME] == "chat"


def test_using_blocks_ignore_wrong_values(tracing: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fluxloop_otel")
    tracer = tracing.provider.get_tracer("user")
    with fl.using_metadata("not a mapping"), fl.using_tags(42), fl.using_session(123):  # type: ignore[arg-type]
        with tracer.start_as_current_span("inside"):
            pass
    span = tracing.span("inside")
    assert span.attributes[A.SESSION_ID] == "123"
    assert A.METADATA not in span.attributes and A.TAG_TAGS not in span.attributes
    assert len([r for r in caplog.records if "using_*" in r.getMessage()]) == 2
