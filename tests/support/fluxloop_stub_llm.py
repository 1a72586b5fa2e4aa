"""An OpenAI-compatible ``/v1/chat/completions`` stub for ``fluxloop evaluate experiment``.

Loopback only; started and stopped by the test (``with StubLLM() as llm:``). It answers the two
prompts fluxloop-cli 0.3.0 sends, in the JSON shapes they ask for:

* per-trace evaluation (system prompt "You are an expert AI agent evaluator"): the 7 metrics,
  all in their pass state (so no ``analysis`` object is required);
* overall analysis (user prompt "You are an expert AI agent evaluation analyst"): executive
  summary, trace matrix, response quality, insights, recommendations, performance.

Every request is kept in :attr:`StubLLM.requests` for assertions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PER_TRACE_MARKER = "You are an expert AI agent evaluator"
OVERALL_MARKER = "You are an expert AI agent evaluation analyst"

PASS_LABELS = {
    "task_completion": "PASS",
    "hallucination": "PASS",
    "relevance": "PASS",
    "tool_usage": "APPROPRIATE",
    "user_satisfaction": "GOOD",
    "clarity": "PASS",
    "persona_consistency": "PASS",
}

PER_TRACE_ANSWER = {
    "metrics": {name: {"eval": label, "reasoning": "stub judge: pass"} for name, label in PASS_LABELS.items()}
}

OVERALL_ANSWER = {
    "executive_summary": {
        "status_title": "Production Ready",
        "status_subtitle": "All stub-judged traces passed.",
    },
    "trace_matrix": {"description": "Every trace passed all seven metrics."},
    "response_quality": {
        "observations": [{"text": "All metrics passed.", "highlight": False}],
        "improvement_patterns": [],
        "quick_wins": [],
    },
    "insights": {"failed_cases_analysis": [], "review_cases_analysis": []},
    "recommendations": {
        "priority_groups": [
            {
                "priority": "critical",
                "title": "Critical",
                "subtitle": "Must fix before deployment",
                "issue_list": [],
            },
            {
                "priority": "important",
                "title": "Important",
                "subtitle": "Address in next sprint",
                "issue_list": [],
            },
            {
                "priority": "nice-to-have",
                "title": "Nice-to-Have",
                "subtitle": "When time permits",
                "issue_list": [],
            },
        ]
    },
    "performance": {
        "output_tokens": {"interpretation": "stub", "recommendation": "stub"},
        "conversation_depth": {"interpretation": "stub", "recommendation": "stub"},
        "latency": {"interpretation": "stub", "recommendation": "stub"},
        "persona_gap": {"interpretation": "stub", "recommendations": []},
    },
}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._reply(400, {"error": {"message": "invalid JSON"}})
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._reply(404, {"error": {"message": f"unknown path {self.path}"}})
            return
        messages = body.get("messages") or []
        texts = [str(message.get("content") or "") for message in messages]
        kind = (
            "per_trace"
            if any(t.startswith(PER_TRACE_MARKER) for t in texts)
            else "overall"
            if any(t.startswith(OVERALL_MARKER) for t in texts)
            else "unknown"
        )
        self.server.stub.record(
            {
                "path": self.path,
                "kind": kind,
                "model": body.get("model"),
                "messages": messages,
                "authorization": self.headers.get("Authorization"),
            }
        )
        answer = PER_TRACE_ANSWER if kind == "per_trace" else OVERALL_ANSWER
        self._reply(
            200,
            {
                "id": f"chatcmpl-stub-{len(self.server.stub.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model") or "stub",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": json.dumps(answer)},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: "StubLLM"


class StubLLM:
    """The stub server; ``base_url`` is what ``OPENAI_BASE_URL`` should be set to."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="stub-llm", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def record(self, request: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(request)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [request for request in self.requests if request["kind"] == kind]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def __enter__(self) -> "StubLLM":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
