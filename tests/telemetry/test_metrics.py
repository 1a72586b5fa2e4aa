"""GenAI client metrics from every entry point, on the MeterProvider given; none without one."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import metrics as M


@pytest.fixture
def reader(tracing) -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05, meter_provider=provider)
    yield reader
    provider.shutdown()


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def by_operation(series: list[Any], operation: str) -> list[Any]:
    return [p for p in series if p.attributes.get(A.GEN_AI_OPERATION_NAME) == operation]


def test_duration_and_tokens_of_decorated_calls(tracing, reader: InMemoryMetricReader) -> None:
    @fl.prompt(model="gpt-4o", provider="openai")
    def ask(question: str) -> dict:
        return {"content": "ok", "model": "gpt-4o-2024-08-06", "usage": {"prompt_tokens": 30, "completion_tokens": 7}}

    @fl.tool()
    def lookup(query: str) -> str:
        return "fact"

    @fl.agent()
    def agent(question: str) -> str:
        lookup(question)
        return str(ask(question))

    with fl.instrument("metrics"):
        agent("q")
    found = points(reader)
    durations = found[M.OPERATION_DURATION]
    assert {p.attributes[A.GEN_AI_OPERATION_NAME] for p in durations} >= {"chat", "execute_tool", "invoke_agent", "invoke_workflow"}
    (chat,) = by_operation(durations, "chat")
    assert chat.attributes[A.GEN_AI_REQUEST_MODEL] == "gpt-4o"
    assert chat.attributes[A.GEN_AI_RESPONSE_MODEL] == "gpt-4o-2024-08-06"
    assert chat.attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
    assert chat.count == 1 and chat.sum > 0
    assert list(chat.explicit_bounds) == list(M.DURATION_BUCKETS)
    tokens = {p.attributes[A.GEN_AI_TOKEN_TYPE]: p for p in found[M.TOKEN_USAGE]}
    assert tokens["input"].sum == 30 and tokens["output"].sum == 7
    assert tokens["input"].attributes[A.GEN_AI_REQUEST_MODEL] == "gpt-4o"
    assert list(tokens["input"].explicit_bounds) == list(M.TOKEN_BUCKETS)


def test_failures_carry_error_type(tracing, reader: InMemoryMetricReader) -> None:
    @fl.tool()
    def broken() -> None:
        raise TimeoutError("slow")

    with fl.instrument("metrics"), pytest.raises(TimeoutError):
        broken()
    (point,) = by_operation(points(reader)[M.OPERATION_DURATION], "execute_tool")
    assert point.attributes[A.ERROR_TYPE] == "TimeoutError"


def test_streams_record_time_to_first_chunk_and_per_chunk(tracing, reader: InMemoryMetricReader) -> None:
    @fl.prompt(model="m")
    def stream(n: int) -> Iterator[str]:
        yield from ("a", "b", "c", "d")

    with fl.instrument("metrics"):
        assert "".join(stream(4)) == "abcd"
    found = points(reader)
    (first,) = found[M.TIME_TO_FIRST_CHUNK]
    assert first.count == 1 and first.attributes[A.GEN_AI_OPERATION_NAME] == "chat"
    (per_chunk,) = found[M.TIME_PER_OUTPUT_CHUNK]
    assert per_chunk.count == 3  # every chunk after the first
    assert list(per_chunk.explicit_bounds) == list(M.TIME_PER_CHUNK_BUCKETS)


def test_langchain_chat_model_metrics(tracing, reader: InMemoryMetricReader) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    model = GenericFakeChatModel(
        messages=iter([AIMessage("hello", usage_metadata={"input_tokens": 11, "output_tokens": 3, "total_tokens": 14})])
    )
    model.invoke("hi")
    found = points(reader)
    (chat,) = by_operation(found[M.OPERATION_DURATION], "chat")
    assert chat.count == 1
    tokens = {p.attributes[A.GEN_AI_TOKEN_TYPE]: p.sum for p in found[M.TOKEN_USAGE]}
    assert tokens == {"input": 11, "output": 3}


def test_langchain_stream_metrics(tracing, reader: InMemoryMetricReader) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    model = GenericFakeChatModel(messages=iter([AIMessage("one two three four")]))
    assert "".join(chunk.content for chunk in model.stream("hi")) == "one two three four"
    found = points(reader)
    (first,) = found[M.TIME_TO_FIRST_CHUNK]
    assert first.attributes[A.GEN_AI_OPERATION_NAME] == "chat" and first.count == 1
    (per_chunk,) = found[M.TIME_PER_OUTPUT_CHUNK]
    assert per_chunk.count >= 3


def test_no_meter_provider_no_metrics_object(tracing) -> None:
    from fluxloop_otel.core import runtime

    assert runtime.get().telemetry.metrics is None  # the global MeterProvider is the API's proxy
    assert M.metrics_for(None) is None


def test_metrics_switched_off(tracing) -> None:
    from fluxloop_otel.core import runtime

    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), meter_provider=MeterProvider(), metrics=False)
    assert runtime.get().telemetry.metrics is None
