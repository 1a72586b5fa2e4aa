"""A small agent for the export tests, run as a program: ``python agent_app.py``.

A decorated agent calls a retrieval, a tool that fails (caught), a generation with token
usage and a LangChain chain (``prompt | GenericFakeChatModel | StrOutputParser``), inside
``instrument()``. Configuration comes from the environment only (``OTEL_*``, ``FLUXLOOP_*``):

* ``AGENT_APP_ZERO_CODE=1``: do not call ``configure()`` (``opentelemetry-instrument`` did);
* ``AGENT_APP_REDACT=1``: ``configure(redact=...)`` replacing ``SECRET-`` words;
* ``AGENT_APP_RUNS``: how many traces (default 1).

Prints one JSON object: the OTel trace ids (hex, from the span context) of the traces it ran.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from opentelemetry import trace

import fluxloop_otel as fl

QUESTION = "What is 2+2? SECRET-42"
USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}


def redact(value: Any, field: str) -> Any:
    """Replace ``SECRET-...`` words anywhere in a captured value (strings, lists, dicts)."""
    if isinstance(value, str):
        return re.sub(r"SECRET-\w+", "[redacted]", value)
    if isinstance(value, list):
        return [redact(item, field) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, field) for key, item in value.items()}
    return value


@fl.retrieval(data_source="arithmetic-kb", top_k=1)
def search(query: str) -> list[dict[str, Any]]:
    return [{"id": "doc-1", "content": "2+2=4", "score": 0.9}]


@fl.tool(description="Evaluates arithmetic")
def calculator(expression: str) -> str:
    raise ValueError("boom")


@fl.prompt(model="gpt-test", provider="openai")
def generate(question: str, context: str) -> dict[str, Any]:
    return {"content": "4", "usage": dict(USAGE)}


def summarize_chain() -> Any:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="The answer is 4.")]))
    return ChatPromptTemplate.from_messages([("human", "Summarize: {answer}")]) | model | StrOutputParser()


@fl.agent(name="math_agent")
def math_agent(question: str) -> str:
    documents = search(question)
    try:
        calculator("2+2")
    except ValueError:
        pass
    answer = generate(question, documents[0]["content"])["content"]
    return summarize_chain().invoke({"answer": answer})


def main() -> None:
    if os.environ.get("AGENT_APP_ZERO_CODE") != "1":
        fl.configure(**({"redact": redact} if os.environ.get("AGENT_APP_REDACT") == "1" else {}))
    trace_ids = []
    for index in range(int(os.environ.get("AGENT_APP_RUNS", "1"))):
        with fl.instrument(f"math-run-{index}"):
            trace_ids.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
            math_agent(QUESTION)
    flushed = fl.force_flush(15)
    print(json.dumps({"trace_ids": trace_ids, "flushed": flushed}))


if __name__ == "__main__":
    main()
