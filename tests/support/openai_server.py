"""A loopback OpenAI-compatible server (stdlib ``http.server``) that bills what it answers.

``POST /v1/chat/completions`` (plain and streamed as server-sent events, with the usage chunk
when ``stream_options.include_usage`` is set, as the real API does) and ``POST /v1/embeddings``;
``GET /weather/{city}`` for tools that make HTTP calls. Replies follow a script: a request with
tools whose last message is the user's asks for a tool call (named by ``tool_for(text)``), a
request after a tool result answers in text. Every billed usage is kept in :attr:`billed`, so a
test compares the tokens it sees with what the server charged.

Binds 127.0.0.1, stopped by :meth:`close`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

MODEL = "gpt-4o-mini-2024-07-18"
EMBEDDING_MODEL = "text-embedding-3-small"
DIMENSIONS = 8


@dataclass
class Bill:
    """One billed request."""

    kind: str  # "chat" or "embeddings"
    response_id: str
    prompt_tokens: int
    completion_tokens: int
    stream: bool
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _words(value: Any) -> int:
    """A deterministic token count: words in every string of the request's messages."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_words(item) for item in value.values())
    if isinstance(value, list):
        return sum(_words(item) for item in value)
    return 0


def _vector(text: str) -> list[float]:
    """A small deterministic embedding (letter histogram): similar texts are close."""
    counts = [0.0] * DIMENSIONS
    for char in text.lower():
        if char.isalpha():
            counts[(ord(char) - 97) % DIMENSIONS] += 1.0
    norm = sum(c * c for c in counts) ** 0.5 or 1.0
    return [c / norm for c in counts]


def default_tool_for(question: str, tools: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Which tool the scripted model calls for a question (None: answer directly)."""
    lowered = question.lower()
    if "weather" in lowered and "get_weather" in tools:
        return "get_weather", {"city": "Paris"}
    if "search" in lowered and "search_docs" in tools:
        return "search_docs", {"query": "refund policy"}
    return None


class OpenAICompatibleServer:
    """See the module docstring."""

    def __init__(self, tool_for: Callable[[str, list[str]], tuple[str, dict[str, Any]] | None] = default_tool_for) -> None:
        self.billed: list[Bill] = []
        self.requests: list[dict[str, Any]] = []
        self.tool_for = tool_for
        self._lock = threading.Lock()
        self._counter = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server._lock:
                    server.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if self.path.endswith("/chat/completions"):
                    server._chat(self, body)
                elif self.path.endswith("/embeddings"):
                    server._json(self, server._embeddings(body))
                else:
                    self.send_error(404)

            def do_GET(self) -> None:  # noqa: N802
                city = self.path.rstrip("/").rsplit("/", 1)[-1]
                server._json(self, {"city": city, "forecast": "sunny", "celsius": 21})

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = f"{self.url}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai-loopback", daemon=True)
        self._thread.start()

    # -- totals -------------------------------------------------------------------------------------
    def billed_tokens(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(bill.total_tokens for bill in self.billed if kind is None or bill.kind == kind)

    def reset(self) -> None:
        with self._lock:
            self.billed.clear()
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- replies ------------------------------------------------------------------------------------
    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}-loopback{self._counter:04d}"

    def _bill(self, bill: Bill) -> None:
        with self._lock:
            self.billed.append(bill)

    @staticmethod
    def _json(handler: BaseHTTPRequestHandler, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        texts = [text if isinstance(text, str) else " ".join(map(str, text)) for text in texts]
        prompt = sum(len(text.split()) for text in texts)
        self._bill(Bill("embeddings", "", prompt, 0, False, body))
        return {
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": _vector(text)} for i, text in enumerate(texts)],
            "model": EMBEDDING_MODEL,
            "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
        }

    def _reply(self, body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        """The scripted reply: (text, tool calls)."""
        messages = body.get("messages") or []
        tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
        last = messages[-1] if messages else {}
        if last.get("role") == "user" and tools:
            question = last.get("content") if isinstance(last.get("content"), str) else json.dumps(last.get("content"))
            choice = self.tool_for(question, tools)
            if choice is not None:
                name, arguments = choice
                return None, [{"id": self._next_id("call"), "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]
        if last.get("role") == "tool":
            return f"Based on the tool: {str(last.get('content'))[:80]}", []
        return "Hello from the loopback model.", []

    def _chat(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        text, calls = self._reply(body)
        response_id = self._next_id("chatcmpl")
        prompt = _words(body.get("messages")) + 3
        completion = (len(text.split()) if text else 0) + 5 * len(calls) + 1
        stream = bool(body.get("stream"))
        self._bill(Bill("chat", response_id, prompt, completion, stream, body))
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        reason = "tool_calls" if calls else "stop"
        created = int(time.time())
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if calls:
                message["tool_calls"] = calls
            self._json(
                handler,
                {
                    "id": response_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": MODEL,
                    "system_fingerprint": "fp_loopback",
                    "choices": [{"index": 0, "message": message, "finish_reason": reason, "logprobs": None}],
                    "usage": usage,
                },
            )
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def send(payload: Any) -> None:
            data = f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": response_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL,
                "system_fingerprint": "fp_loopback",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }

        send(chunk({"role": "assistant", "content": "" if text is not None else None}))
        if text:
            words = text.split(" ")
            for index, word in enumerate(words):
                send(chunk({"content": word if index == 0 else " " + word}))
        for index, call in enumerate(calls):
            arguments = call["function"]["arguments"]
            half = len(arguments) // 2
            send(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": arguments[:half]}}]}))
            send(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
        send(chunk({}, reason))
        if (body.get("stream_options") or {}).get("include_usage"):
            final = chunk({})
            final["choices"] = []
            final["usage"] = usage
            send(final)
        send("[DONE]")
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
