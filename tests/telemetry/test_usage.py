"""Usage details (cache read/creation, reasoning) from every usage shape, on spans and in the JSONL."""

from __future__ import annotations

from types import SimpleNamespace

from langchain_core.messages import AIMessage

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry.usage import TokenUsage, extract_usage, usage_from_counts


def test_langchain_usage_metadata_details() -> None:
    message = AIMessage(
        "hi",
        usage_metadata={
            "input_tokens": 120,
            "output_tokens": 40,
            "total_tokens": 160,
            "input_token_details": {"cache_read": 100, "cache_creation": 10},
            "output_token_details": {"reasoning": 30},
        },
    )
    assert extract_usage(message) == TokenUsage(120, 40, 160, 100, 10, 30)


def test_openai_chat_completions_details_dict_and_object() -> None:
    raw = {
        "prompt_tokens": 2000,
        "completion_tokens": 500,
        "total_tokens": 2500,
        "prompt_tokens_details": {"cached_tokens": 1536, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 448},
    }
    assert usage_from_counts(raw) == TokenUsage(2000, 500, 2500, 1536, None, 448)
    as_object = SimpleNamespace(
        usage=SimpleNamespace(
            prompt_tokens=2000,
            completion_tokens=500,
            total_tokens=2500,
            prompt_tokens_details=SimpleNamespace(cached_tokens=1536),
            completion_tokens_details=SimpleNamespace(reasoning_tokens=448),
        )
    )
    assert extract_usage(as_object) == TokenUsage(2000, 500, 2500, 1536, None, 448)


def test_openai_responses_api_details() -> None:
    raw = {"input_tokens": 50, "output_tokens": 9, "input_tokens_details": {"cached_tokens": 20}, "output_tokens_details": {"reasoning_tokens": 4}}
    assert usage_from_counts(raw) == TokenUsage(50, 9, None, 20, None, 4)


def test_anthropic_usage_adds_cached_tokens_to_input() -> None:
    # Anthropic's input_tokens leaves the cached tokens out; GenAI's input count includes them.
    raw = {"input_tokens": 10, "output_tokens": 7, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 50}
    usage = usage_from_counts(raw)
    assert usage == TokenUsage(360, 7, None, 300, 50, None)
    assert usage.total == 367


def test_plain_usage_has_no_details() -> None:
    assert usage_from_counts({"prompt_tokens": 3, "completion_tokens": 2}) == TokenUsage(3, 2)
    assert not TokenUsage(3, 2).has_details


def test_details_on_the_span_and_in_the_jsonl_with_counts_unchanged(tracing) -> None:
    @fl.prompt(model="gpt-4o")
    def ask(question: str) -> dict:
        return {
            "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": 2000,
                "completion_tokens": 500,
                "total_tokens": 2500,
                "prompt_tokens_details": {"cached_tokens": 1536},
                "completion_tokens_details": {"reasoning_tokens": 448},
            },
        }

    with fl.instrument("usage"):
        ask("hi")
    span = tracing.span("chat gpt-4o")
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 2000
    assert span.attributes[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 1536
    assert span.attributes[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 448
    assert span.attributes[A.LLM_TOKEN_COUNT_PROMPT_CACHE_READ] == 1536
    assert span.attributes[A.LLM_TOKEN_COUNT_COMPLETION_REASONING] == 448
    record = tracing.observation("ask")
    assert (record["prompt_tokens"], record["completion_tokens"], record["total_tokens"]) == (2000, 500, 2500)
    assert record["metadata"]["usage_details"] == {"cache_read_input_tokens": 1536, "reasoning_output_tokens": 448}


def test_set_usage_takes_details(tracing) -> None:
    @fl.prompt(model="m")
    def ask() -> str:
        fl.set_usage(10, 5, cache_read_input_tokens=4, cache_creation_input_tokens=2, reasoning_output_tokens=1)
        return "x"

    with fl.instrument("usage"):
        ask()
    attributes = tracing.span("chat m").attributes
    assert attributes[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 4
    assert attributes[A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] == 2
    assert attributes[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 1
