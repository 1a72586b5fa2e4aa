"""instrument(), get_current_context(), push/pop observations, event(), set_usage/set_model."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from opentelemetry.trace import StatusCode

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A


def test_instrument_attributes_and_trace_line(tracing) -> None:
    given = uuid.uuid4()
    with fl.instrument("checkout", session_id="s-1", user_id="u-1", metadata={"a": 1}, tags=["x"], trace_id=given) as ctx:
        ctx.add_metadata("b", [2])
        ctx.add_tag("y")
        ctx.add_tag("y")
        ctx.set_user("u-2")
        assert fl.get_current_context() is ctx
        assert ctx.trace_id == str(given)
    span = tracing.span("invoke_workflow checkout")
    assert span.context.trace_id == given.int  # OTel trace id == FluxLoop trace UUID
    attributes = span.attributes
    assert attributes[A.GEN_AI_OPERATION_NAME] == "invoke_workflow"
    assert attributes[A.GEN_AI_WORKFLOW_NAME] == "checkout"
    assert attributes[A.OPENINFERENCE_SPAN_KIND] == "CHAIN"
    assert attributes[A.SESSION_ID] == attributes[A.GEN_AI_CONVERSATION_ID] == "s-1"
    assert attributes[A.FLUXLOOP_TRACE_ID] == str(given)
    (line,) = tracing.traces()
    assert line == {
        "id": str(given),
        "name": "checkout",
        "start_time": line["start_time"],
        "end_time": line["end_time"],
        "session_id": "s-1",
        "user_id": "u-2",
        "metadata": {"a": 1, "b": [2]},
        "tags": ["x", "y"],
    }
    assert tracing.observations() == []  # an instrument() root is a trace, not an observation


def test_instrument_records_errors(tracing) -> None:
    with pytest.raises(RuntimeError):
        with fl.instrument("failing"):
            raise RuntimeError("bad run")
    span = tracing.span("invoke_workflow failing")
    assert span.status.status_code is StatusCode.ERROR
    assert tracing.traces()[0]["metadata"]["error"] == "bad run"


def test_instrument_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        fl.instrument("")
    with pytest.raises(ValueError):
        fl.instrument("x", trace_id="not-a-uuid")


def test_push_and_pop_observation_pattern_a(tracing) -> None:
    with fl.instrument("framework") as ctx:
        outer = fl.ObservationData(type="agent", name="graph", input={"q": "hi"})
        ctx.push_observation(outer)
        inner = fl.ObservationData(type=fl.ObservationType.GENERATION, name="llm", model="gpt-x", input="prompt text")
        ctx.push_observation(inner)
        inner.output = "answer"
        inner.prompt_tokens, inner.completion_tokens = 7, 3
        assert ctx.pop_observation() is inner
        outer.output = {"final": "answer"}
        assert ctx.pop_observation() is outer
        assert ctx.pop_observation() is None
    records = {r["name"]: r for r in tracing.observations()}
    assert records["llm"]["parent_observation_id"] == records["graph"]["id"] == outer.id
    assert records["llm"]["id"] == inner.id and inner.trace_id == ctx.trace_id
    assert records["llm"]["model"] == "gpt-x"
    assert (records["llm"]["prompt_tokens"], records["llm"]["completion_tokens"], records["llm"]["total_tokens"]) == (7, 3, 10)
    assert records["llm"]["input"] == "prompt text" and records["llm"]["output"] == "answer"
    assert records["graph"]["output"] == {"final": "answer"}
    assert "parent_observation_id" not in records["graph"]


def test_pop_by_identity_from_another_thread(tracing) -> None:
    import threading

    with fl.instrument("cb") as ctx:
        obs = fl.ObservationData(type="tool", name="async_tool")
        ctx.push_observation(obs)
        obs.error = "tool failed"
        obs.metadata = {"error_type": "ToolError"}
        done = threading.Thread(target=ctx.pop_observation, args=(obs,))
        done.start()
        done.join()
        ctx.pop_observation()  # nothing left: the thread ended it
    span = tracing.span("execute_tool async_tool")
    assert span.status.status_code is StatusCode.ERROR
    assert tracing.observation("async_tool")["metadata"]["error_type"] == "ToolError"


def test_sdk_style_observation_objects_are_accepted(tracing) -> None:
    """FluxLoop SDK ObservationData (pydantic) works too: duck typing on its fields."""
    from fluxloop.models import ObservationData as SdkObservation  # the real SDK model
    from fluxloop.models import ObservationType as SdkType

    with fl.instrument("sdk") as ctx:
        obs = SdkObservation(type=SdkType.TOOL, name="sdk_tool", input={"x": 1})
        ctx.push_observation(obs)
        obs.output = 2
        ctx.pop_observation()
    assert tracing.observation("sdk_tool")["output"] == 2


def test_event_is_zero_duration_child(tracing) -> None:
    @fl.agent()
    def with_event() -> None:
        fl.event("checkpoint", input={"step": 1}, output="ok", metadata={"m": True}, level="warning")

    with_event()
    span = tracing.span("checkpoint")
    assert span.start_time == span.end_time
    assert span.parent.span_id == tracing.span("invoke_agent with_event").context.span_id
    record = tracing.observation("checkpoint")
    assert (record["type"], record["level"], record["output"], record["metadata"]) == ("event", "warning", "ok", {"m": True})


def test_set_usage_and_set_model_on_current_observation(tracing) -> None:
    @fl.prompt()
    def call_llm(question: str) -> str:
        fl.set_model("gpt-4o-mini", provider="openai")
        fl.set_usage(input_tokens=11, output_tokens=4)
        return "answer"

    call_llm("q")
    span = tracing.span("chat gpt-4o-mini")  # renamed once the model is known
    assert span.attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 11
    assert span.attributes[A.LLM_TOKEN_COUNT_TOTAL] == 15
    record = tracing.observation("call_llm")
    assert (record["model"], record["prompt_tokens"], record["completion_tokens"], record["total_tokens"]) == ("gpt-4o-mini", 11, 4, 15)


def test_token_usage_read_from_return_values(tracing) -> None:
    from langchain_core.messages import AIMessage

    @fl.prompt(model="m1")
    def openai_dict() -> dict:
        return {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}, "model": "m1-2024"}

    @fl.prompt(model="m2")
    def openai_object() -> SimpleNamespace:
        return SimpleNamespace(usage=SimpleNamespace(input_tokens=8, output_tokens=1, total_tokens=None), model=None)

    @fl.prompt(model="m3")
    def langchain_message() -> AIMessage:
        return AIMessage(content="yo", usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7})

    openai_dict(), openai_object(), langchain_message()
    first = tracing.span("chat m1").attributes
    assert (first[A.GEN_AI_USAGE_INPUT_TOKENS], first[A.GEN_AI_USAGE_OUTPUT_TOKENS]) == (5, 2)
    assert first[A.GEN_AI_RESPONSE_MODEL] == "m1-2024"
    assert tuple(first[A.GEN_AI_RESPONSE_FINISH_REASONS]) == ("stop",)
    assert '"content":"hi"' in first[A.GEN_AI_OUTPUT_MESSAGES]
    second = tracing.span("chat m2").attributes
    assert (second[A.GEN_AI_USAGE_INPUT_TOKENS], second[A.LLM_TOKEN_COUNT_TOTAL]) == (8, 9)
    third = tracing.span("chat m3").attributes
    assert (third[A.LLM_TOKEN_COUNT_PROMPT], third[A.LLM_TOKEN_COUNT_COMPLETION]) == (3, 4)


def test_generation_request_parameters_and_messages(tracing) -> None:
    @fl.prompt()
    def chat(messages: list, model: str = "gpt-test", temperature: float = 0.2, max_tokens: int = 64) -> str:
        return "fine"

    chat([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}])
    attributes = tracing.span("chat gpt-test").attributes
    assert attributes[A.GEN_AI_REQUEST_TEMPERATURE] == 0.2 and attributes[A.GEN_AI_REQUEST_MAX_TOKENS] == 64
    assert '"role":"system"' in attributes[A.GEN_AI_INPUT_MESSAGES]
    assert tracing.observation("chat")["llm_parameters"] == {"temperature": 0.2, "max_tokens": 64}


def test_retrieval_and_embedding_attributes(tracing) -> None:
    from langchain_core.documents import Document

    @fl.retrieval(data_source="faq", top_k=2)
    def search(query: str, k: int = 2) -> list:
        return [Document(page_content="Paris", metadata={"score": 0.9}, id="d1"), {"content": "Lyon", "id": "d2", "score": 0.5}]

    @fl.embedding(model="emb-3")
    def embed(texts: list[str]) -> list[list[float]]:
        return [[0.1, 0.2, 0.3] for _ in texts]

    search("capital?")
    embed(["a", "b"])
    r = tracing.span("retrieval faq").attributes
    assert r[A.GEN_AI_RETRIEVAL_QUERY_TEXT] == "capital?" and r[A.GEN_AI_DATA_SOURCE_ID] == "faq"
    assert r["retrieval.documents.0.document.content"] == "Paris" and r["retrieval.documents.0.document.score"] == 0.9
    assert r["retrieval.documents.1.document.id"] == "d2"
    e = tracing.span("embeddings emb-3").attributes
    assert e[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 3 and e[A.FLUXLOOP_EMBEDDING_COUNT] == 2
    assert tracing.observation("embed")["output"] == {"embeddings": 2, "dimensions": 3}
    assert tracing.observation("embed")["model"] == "emb-3"


def test_tool_attributes(tracing) -> None:
    @fl.tool(name="weather", description="Current weather")
    def get_weather(city: str, unit: str = "C") -> dict:
        return {"t": 21}

    get_weather("Paris")
    attributes = tracing.span("execute_tool weather").attributes
    assert attributes[A.GEN_AI_TOOL_NAME] == attributes[A.TOOL_NAME] == "weather"
    assert attributes[A.GEN_AI_TOOL_DESCRIPTION] == "Current weather"
    assert attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] == attributes[A.INPUT_VALUE] == '{"city":"Paris","unit":"C"}'
    assert attributes[A.GEN_AI_TOOL_CALL_RESULT] == '{"t":21}'
    assert '"required": ["city"]' in attributes[A.TOOL_PARAMETERS]


def test_agent_metadata_and_capture_flags(tracing) -> None:
    @fl.agent(name="quiet", metadata={"team": "a"}, capture_input=False, capture_output=False)
    def quiet(secret_input: str) -> str:
        return "secret output"

    quiet("secret")
    record = tracing.observation("quiet")
    assert "input" not in record and "output" not in record
    assert record["metadata"] == {"team": "a"}


def test_content_capture_switched_off_by_otel_variable(tracing, monkeypatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "false")
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory))

    @fl.prompt(model="m")
    def gen(prompt: str) -> dict:
        return {"text": "private", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}

    gen("private prompt")
    attributes = tracing.span("chat m").attributes
    assert not any(A.is_content_attribute(key) for key in attributes)
    assert attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 1  # counts are not content

    @fl.embedding(model="emb-3")
    def embed(texts: list[str]) -> list[list[float]]:
        return [[0.1, 0.2] for _ in texts]

    embed(["private", "texts", "here"])
    embedding = tracing.span("embeddings emb-3").attributes
    assert not any(A.is_content_attribute(key) for key in embedding)
    assert embedding[A.FLUXLOOP_EMBEDDING_COUNT] == 3 and embedding[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 2
