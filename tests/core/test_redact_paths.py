"""``configure(redact=...)`` reaches every string the decorators record, inputs as much as outputs."""

from __future__ import annotations

import json
from typing import Any

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A

EMAIL = "ann@example.com"


def test_redact_hook_gets_each_string_with_its_path(tracing: Any) -> None:
    fields: list[str] = []

    def hide_email(value: Any, field: str) -> Any:
        fields.append(field)
        return value.replace(EMAIL, "<email>")

    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05, redact=hide_email)

    @fl.tool()
    def lookup(email: str, note: dict) -> dict:
        return {"owner": email, "status": "ok"}

    @fl.prompt(model="m")
    def ask(messages: list) -> str:
        return f"wrote to {EMAIL}"

    lookup(EMAIL, {"cc": [EMAIL]})
    ask([{"role": "user", "content": f"mail {EMAIL}"}])

    spans = json.dumps([dict(s.attributes) for s in tracing.spans()])
    assert EMAIL not in spans
    assert EMAIL not in json.dumps(tracing.observations())
    assert {"input.email", "input.note.cc.0", "output.owner", "output.status"} <= set(fields)
    assert "input.messages.0.parts.0.content" in fields and "output" in fields
    tool = tracing.span("execute_tool lookup")
    assert json.loads(tool.attributes[A.INPUT_VALUE]) == {"email": "<email>", "note": {"cc": ["<email>"]}}
