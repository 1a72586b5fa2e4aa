"""GenAI log events: one ``gen_ai.client.inference.operation.details`` event per model call,
through the OTel logs API, when the content policy says ``events``; from the emitter (every
entry point), the LangChain instrumentor (``logger_provider``) and ``configure()`` (its own
OTLP log pipeline, never a global provider)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from opentelemetry import _logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel as fl
from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import LLMInvocation, Telemetry, TokenUsage, ToolCall
from fluxloop_otel.telemetry.events import OPERATION_DETAILS
from fluxloop_otel.telemetry.policy import ContentPolicy


class Pipeline:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.logs = InMemoryLogRecordExporter()
        self.logger_provider = LoggerProvider()
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.logs))

    def events(self) -> list[Any]:
        return [item.log_record for item in self.logs.get_finished_logs()]

    def telemetry(self, policy: ContentPolicy) -> Telemetry:
        return Telemetry(
            self.tracer_provider.get_tracer("fluxloop_otel"),
            policy=policy,
            event_logger=self.logger_provider.get_logger("fluxloop_otel"),
        )


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    p = Pipeline()
    yield p
    p.tracer_provider.shutdown()
    p.logger_provider.shutdown()


def _call(telemetry: Telemetry) -> LLMInvocation:
    record = LLMInvocation(
        "chat",
        request_model="gpt-4o-mini",
        provider="openai",
        parameters={"temperature": 0.1},
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}],
    )
    telemetry.start(record)
    record.output_messages = [AIMessage("hi!", response_metadata={"id": "chatcmpl-1", "model_name": "gpt-4o-mini-2024-07-18", "finish_reason": "stop"})]
    record.usage = TokenUsage(7, 2)
    telemetry.stop(record)
    return record


def test_one_event_per_model_call_with_the_spec_attributes(pipeline: Pipeline) -> None:
    telemetry = pipeline.telemetry(ContentPolicy(record=True, otlp=False, events=True))
    record = _call(telemetry)
    tool = ToolCall("lookup", input={"q": 1})
    telemetry.start(tool)
    telemetry.stop(tool)
    (event,) = pipeline.events()
    assert event.event_name == OPERATION_DETAILS
    attributes = dict(event.attributes)
    assert attributes[A.GEN_AI_OPERATION_NAME] == "chat"
    assert attributes[A.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert attributes[A.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert attributes[A.GEN_AI_RESPONSE_ID] == "chatcmpl-1"
    assert attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
    assert (attributes[A.GEN_AI_USAGE_INPUT_TOKENS], attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]) == (7, 2)
    assert list(attributes[A.GEN_AI_RESPONSE_FINISH_REASONS]) == ["stop"]
    assert attributes["gen_ai.request.temperature"] == 0.1
    messages = attributes[A.GEN_AI_INPUT_MESSAGES]  # structured, not JSON text
    assert [m["role"] for m in messages] == ["user"]  # the system message is an instruction, apart
    assert messages[0]["parts"][0]["content"] == "hello there"
    assert attributes["gen_ai.system_instructions"][0]["content"] == "be brief"
    assert attributes[A.GEN_AI_OUTPUT_MESSAGES][0]["parts"][0]["content"] == "hi!"
    context = record.span.get_span_context()  # type: ignore[union-attr]
    assert (event.trace_id, event.span_id) == (context.trace_id, context.span_id)


def test_no_event_unless_the_policy_says_events(pipeline: Pipeline) -> None:
    _call(pipeline.telemetry(ContentPolicy(record=True, otlp=True, events=False)))
    assert pipeline.events() == []
    _call(Telemetry(pipeline.tracer_provider.get_tracer("x"), policy=ContentPolicy(events=True)))  # no logger given
    assert pipeline.events() == []


def test_a_failed_call_emits_its_event_with_the_error(pipeline: Pipeline) -> None:
    telemetry = pipeline.telemetry(ContentPolicy(record=True, otlp=True, events=True))
    record = LLMInvocation("chat", request_model="m", messages="hi")
    telemetry.start(record)
    telemetry.fail(record, TimeoutError("slow"))
    (event,) = pipeline.events()
    assert event.attributes[A.ERROR_TYPE] == "TimeoutError"


def test_langchain_instrumentor_takes_a_logger_provider(pipeline: Pipeline) -> None:
    instrumentor = LangChainInstrumentor()
    was_instrumented = instrumentor.is_instrumented_by_opentelemetry
    if was_instrumented:
        instrumentor.uninstrument()
    instrumentor.instrument(
        tracer_provider=pipeline.tracer_provider,
        logger_provider=pipeline.logger_provider,
        content_policy=ContentPolicy(record=True, otlp=False, events=True),
    )
    try:
        model = GenericFakeChatModel(messages=iter([AIMessage("one"), AIMessage("two")]))
        model.invoke("first question")
        model.invoke("second question")
    finally:
        instrumentor.uninstrument()
    events = pipeline.events()
    assert [e.attributes[A.GEN_AI_INPUT_MESSAGES][0]["parts"][0]["content"] for e in events] == ["first question", "second question"]
    assert [e.attributes[A.GEN_AI_OUTPUT_MESSAGES][0]["parts"][0]["content"] for e in events] == ["one", "two"]


def test_configure_sends_events_over_otlp_without_a_global_logger_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_sink: Any
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "event_only")
    global_before = _logs.get_logger_provider()
    provider = TracerProvider()
    fl.configure(tracer_provider=provider, offline_store_dir=str(tmp_path / "traces"), otlp_endpoint=http_sink.endpoint, flush_interval=0.05)
    try:

        @fl.prompt(model="gpt-4o-mini")
        def ask(messages: list) -> dict:
            return {"choices": [{"message": {"content": "answer"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}

        ask([{"role": "user", "content": "what now"}])
        assert fl.force_flush(10)
        (log,) = http_sink.wait_for_logs(1)
        assert log.event_name == OPERATION_DETAILS
        assert log.attributes[A.GEN_AI_INPUT_MESSAGES][0]["parts"][0]["content"] == "what now"
        assert log.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 3
        (span,) = http_sink.wait_for_spans(1)
        assert (log.trace_id, log.span_id) == (span.trace_id, span.span_id)
        assert A.GEN_AI_INPUT_MESSAGES not in span.attributes  # EVENT_ONLY: not on the exported span
        assert _logs.get_logger_provider() is global_before  # nothing installed behind the user's back
    finally:
        fl.shutdown()
        provider.shutdown()
