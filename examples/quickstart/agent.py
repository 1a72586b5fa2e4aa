"""Quickstart: a small offline agent traced with fluxloop-otel.

A tool, a retrieval, a prompt (fake model that reports token usage) and a streamed
generation, no network. Spans follow the OpenTelemetry GenAI conventions and
OpenInference; the FluxLoop JSONL files land in ./traces.

    python agent.py                       # writes ./traces/observations.jsonl and traces.jsonl
    fluxloop-otel show traces --last 1    # the trace as a tree

Set OTEL_EXPORTER_OTLP_ENDPOINT to also send the spans to a collector, Jaeger or Phoenix.
"""

from __future__ import annotations

import time
from typing import Iterator

import fluxloop_otel as fluxloop

DOCUMENTS = [
    {"id": "doc-1", "content": "Paris is the capital and largest city of France.", "score": 0.92},
    {"id": "doc-2", "content": "Lyon is known for its cuisine.", "score": 0.41},
    {"id": "doc-3", "content": "The Eiffel Tower is in Paris.", "score": 0.77},
]
WEATHER = {"paris": "sunny, 21 °C", "lyon": "cloudy, 17 °C"}


@fluxloop.retrieval(data_source="city-facts", top_k=2)
def search(query: str, k: int = 2) -> list[dict]:
    """Keyword retrieval over a tiny in-memory corpus."""
    words = set(query.lower().split())
    ranked = sorted(DOCUMENTS, key=lambda d: -len(words & set(d["content"].lower().split())))
    return ranked[:k]


@fluxloop.tool(description="Current weather for a city")
def get_weather(city: str) -> str:
    try:
        return WEATHER[city.lower()]
    except KeyError:
        raise LookupError(f"no weather station for {city!r}") from None


@fluxloop.prompt(model="fake-llm-1", provider="offline")
def answer(question: str, context: list[str], temperature: float = 0.0) -> dict:
    """A fake LLM call that returns OpenAI-style usage."""
    text = f"{context[0]}" if context else "I don't know."
    prompt_tokens = len(question.split()) + sum(len(c.split()) for c in context)
    return {"text": text, "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split())}}


@fluxloop.prompt(model="fake-llm-1", provider="offline")
def stream_summary(text: str) -> Iterator[str]:
    """A streamed generation: one span covers the whole stream."""
    for word in text.split():
        time.sleep(0.002)
        yield word + " "


@fluxloop.agent(name="city-guide")
def run(input: str) -> str:
    documents = search(input)
    reply = answer(input, [d["content"] for d in documents])["text"]
    for city in ("Paris", "Lyon", "Atlantis"):
        if city.lower() in input.lower():
            try:
                reply += f" Weather: {get_weather(city)}."
            except LookupError:
                reply += " (no weather data)"
    return "".join(stream_summary(reply)).strip()


def main() -> None:
    fluxloop.configure(service_name="quickstart-agent", offline_store_dir="./traces")
    questions = ["What is the capital of France? Weather in Paris?", "Tell me about Atlantis"]
    with fluxloop.instrument("quickstart", session_id="demo-session", tags=["quickstart"]) as trace:
        for question in questions:
            print(f"Q: {question}\nA: {run(question)}\n")
        trace.add_metadata("questions", len(questions))
    fluxloop.shutdown()
    print(f"FluxLoop trace {trace.trace_id} written to ./traces (observations.jsonl, traces.jsonl)")


if __name__ == "__main__":
    main()
