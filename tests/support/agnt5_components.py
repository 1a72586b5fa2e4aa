"""Real AGNT5 objects for the tests: a scripted ``LanguageModel`` subclass (tool calls, usage,
streaming events) and helpers. Tools, functions and workflows are decorated inside the tests,
after the instrumentation is on (``@function`` builds closures at decoration)."""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator

from agnt5.lm import GenerateRequest, GenerateResponse, LanguageModel, TokenUsage
from agnt5.lm.events import LMCompleted, LMContentBlockDelta

MODEL = "agnt5-scripted-model"


class ScriptedModel(LanguageModel):
    """First turn: ``calls`` (tool calls); once tool results are in: an answer quoting them."""

    model = MODEL

    def __init__(self, calls: list[dict[str, Any]] | None = None, answer: str = "Answer") -> None:
        self.calls = calls or []
        self.answer = answer
        self.requests: list[GenerateRequest] = []

    async def generate(self, request: GenerateRequest) -> GenerateResponse:
        self.requests.append(request)
        results = [m.content for m in request.messages if getattr(m, "tool_call_id", None)]
        if not results and self.calls:
            return GenerateResponse(
                text="",
                finish_reason="tool_calls",
                tool_calls=[
                    {"id": f"call_{i}", "name": call["name"], "arguments": json.dumps(call["args"])}
                    for i, call in enumerate(self.calls)
                ],
                usage=TokenUsage(prompt_tokens=30, completion_tokens=9, total_tokens=39),
            )
        return GenerateResponse(
            text=f"{self.answer}: " + "; ".join(results),
            finish_reason="stop",
            usage=TokenUsage(prompt_tokens=40, completion_tokens=11, total_tokens=51),
        )

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[Any, None]:
        self.requests.append(request)
        text = ""
        for word in ("Hello", " there"):
            text += word
            yield LMContentBlockDelta(name=MODEL, correlation_id="c", parent_correlation_id="", content=word, block_type="text", index=0)
        yield LMCompleted(
            name=MODEL,
            correlation_id="c",
            parent_correlation_id="",
            output_data={"text": text},
            model=MODEL,
            input_tokens=7,
            output_tokens=2,
            total_tokens=9,
            finish_reason="stop",
        )
