"""No secret planted in arguments, return values, metadata, exceptions, streamed chunks,
LangChain invocation parameters, request headers or the environment reaches the FluxLoop
files or the OTLP backend. The backend is a real loopback OTLP/HTTP receiver: the raw request
bodies off the wire are searched, as are the JSONL files byte for byte and every exported span
(attributes, events, status).

(Masking rules one by one: tests/serialization/test_serializer.py::test_secret_keys_masked,
::test_secret_looking_values_masked; content kept out of OTLP: tests/export, content split.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fluxloop_otel as fl

from support.otlp_fault_servers import HttpFaultServer

pytestmark = pytest.mark.e2e

#: Every planted secret (distinct, so a leak names its source).
SECRETS = {
    "argument api_key": "arg-api-key-7f3a9c2e1b",
    "argument password": "hunter2-correct-horse-battery",
    "argument token": "tok-4c1d8e2f9a7b6c5d",
    "nested Authorization header": "Bearer eyJhbGciOiJIUzI1NiJ9.header-secret-1",
    "provider key in free text": "sk-proj-FREETEXTabcdefghijklmnop1234",
    "GitHub token in a list": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "returned access_token": "returned-access-token-0a9b8c7d",
    "Bearer token in output text": "Bearer outputtokenABCDEFGHIJ1234567890",
    "instrument metadata api_key": "meta-api-key-55aa66bb",
    "add_metadata client_secret": "client-secret-99zz88yy",
    "exception message key": "sk-ant-api03-EXCEPTIONabcdefghijklmnopqr",
    "streamed chunk key": "sk-live-STREAMEDabcdefghijklmnopqrs",
    "event input password": "event-password-13579ace",
    "LangChain model api_key field": "lc-model-api-key-2468bdf0",
    "LangChain default_headers Authorization": "Bearer lcheaderSECRETabcdefghijkl",
    "LangChain invoke kwargs extra_headers": "Bearer lckwargsSECRETmnopqrstuvwx",
    "LangChain message content key": "sk-proj-INMESSAGEabcdefghijklmnop9876",
    "LangChain tool argument token": "lc-tool-token-112233445566",
    "environment OPENAI_API_KEY": "sk-envOPENAIabcdefghijklmnop5555",
    "environment MY_SERVICE_PASSWORD": "env-service-password-0f0f0f",
}
OTLP_AUTH_HEADER = "Bearer otlp-exporter-header-secret-777"


@pytest.fixture
def pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[HttpFaultServer, InMemorySpanExporter, Path]]:
    monkeypatch.setenv("OPENAI_API_KEY", SECRETS["environment OPENAI_API_KEY"])
    monkeypatch.setenv("MY_SERVICE_PASSWORD", SECRETS["environment MY_SERVICE_PASSWORD"])
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization={OTLP_AUTH_HEADER.replace(' ', '%20')}")
    server = HttpFaultServer(200)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    directory = tmp_path / "traces"
    fl.configure(
        tracer_provider=provider,
        otlp_endpoint=server.endpoint,
        offline_store_dir=str(directory),
        flush_interval=0.05,
    )
    try:
        yield server, exporter, directory
    finally:
        fl.shutdown()
        provider.shutdown()
        server.close()


def _program() -> None:
    @fl.tool()
    def call_api(
        url: str, api_key: str, password: str, token: str, options: dict[str, Any]
    ) -> dict[str, Any]:
        return {"status": 200, "access_token": SECRETS["returned access_token"], "note": "ok"}

    @fl.prompt(model="gpt-test")
    def answer(question: str) -> dict[str, Any]:
        return {
            "content": f"Use {SECRETS['Bearer token in output text']} next time",
            "usage": {"prompt_tokens": 3},
        }

    @fl.tool()
    def stream_tokens() -> Iterator[str]:
        yield "your key is "
        yield SECRETS["streamed chunk key"]

    @fl.tool()
    def failing(question: str) -> None:
        raise PermissionError(f"provider rejected {SECRETS['exception message key']}")

    @fl.agent()
    def agent(question: str) -> str:
        call_api(
            "https://api.example.com",
            api_key=SECRETS["argument api_key"],
            password=SECRETS["argument password"],
            token=SECRETS["argument token"],
            options={
                "headers": {"Authorization": SECRETS["nested Authorization header"]},
                "tags": ["x", SECRETS["GitHub token in a list"]],
            },
        )
        answer(question)
        "".join(stream_tokens())
        fl.get_current_context().add_metadata("client_secret", SECRETS["add_metadata client_secret"])
        fl.event("login", input={"user": "ann", "password": SECRETS["event input password"]})
        try:
            failing(question)
        except PermissionError:
            pass
        return "done"

    with fl.instrument("leaky", metadata={"api_key": SECRETS["instrument metadata api_key"]}):
        agent(f"what does {SECRETS['provider key in free text']} unlock?")


def _langchain_program() -> None:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult
    from langchain_core.tools import tool

    class KeyedChatModel(BaseChatModel):
        """A provider-style model holding its key and headers as plain fields (the worst case)."""

        model_name: str = "keyed-model"
        api_key: str = SECRETS["LangChain model api_key field"]
        default_headers: dict[str, str] = {
            "Authorization": SECRETS["LangChain default_headers Authorization"]
        }

        @property
        def _llm_type(self) -> str:
            return "keyed"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {
                "model_name": self.model_name,
                "api_key": self.api_key,
                "default_headers": self.default_headers,
            }

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            return ChatResult(generations=[ChatGeneration(message=AIMessage("fine"))])

    @tool
    def lookup(query: str, token: str) -> str:
        """Look something up with a token."""
        return "found"

    model = KeyedChatModel()
    model.invoke(
        f"my key is {SECRETS['LangChain message content key']}",
        extra_headers={"Authorization": SECRETS["LangChain invoke kwargs extra_headers"]},
    )
    lookup.invoke({"query": "q", "token": SECRETS["LangChain tool argument token"]})


def _span_texts(exporter: InMemorySpanExporter) -> list[str]:
    texts = []
    for span in exporter.get_finished_spans():
        texts.append(json.dumps(dict(span.attributes), default=str))
        texts.append(json.dumps(dict(span.resource.attributes), default=str))
        texts.append(span.status.description or "")
        texts.extend(json.dumps(dict(event.attributes), default=str) for event in span.events)
    return texts


def test_no_planted_secret_reaches_the_files_or_the_backend(pipeline: Any) -> None:
    server, exporter, directory = pipeline
    pytest.importorskip("langchain_core")
    _program()
    _langchain_program()
    assert fl.force_flush(10)
    spans = exporter.get_finished_spans()
    assert server.wait_for_spans(len(spans)) == len(spans)

    files = b"".join(path.read_bytes() for path in sorted(directory.iterdir()))
    wire = b"".join(server.bodies)
    span_texts = "\n".join(_span_texts(exporter))
    leaks = [
        f"{source} in {where}"
        for source, secret in SECRETS.items()
        for where, haystack in (
            ("JSONL files", files),
            ("OTLP request bodies", wire),
            ("exported spans", span_texts.encode()),
        )
        if secret.encode() in haystack
    ]
    assert not leaks, leaks
    assert OTLP_AUTH_HEADER.encode() not in wire + files
    # the OTLP header reaches the backend as a header, where it belongs
    assert any(headers.get("authorization") == OTLP_AUTH_HEADER for headers in server.headers)
    # masking kept the structure: the masked places are visible, not silently dropped
    assert files.count(b"***") >= 10 and wire.count(b"***") >= 10
    records = [json.loads(line) for line in (directory / "observations.jsonl").read_text().splitlines()]
    call = next(r for r in records if r["name"] == "call_api")
    assert call["input"]["api_key"] == "***" and call["input"]["url"] == "https://api.example.com"
    assert call["output"]["access_token"] == "***" and call["output"]["status"] == 200
    failing = next(r for r in records if r["name"] == "failing")
    assert failing["error"] == "provider rejected ***"
    generation = next(r for r in records if r["name"] == "KeyedChatModel" or r.get("model") == "keyed-model")
    assert generation["type"] == "generation"
