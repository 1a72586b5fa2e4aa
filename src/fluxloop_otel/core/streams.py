"""Tracing generators and async generators: the span covers the whole stream.

The span starts at the first ``next()`` (inputs are captured at call time) and ends on
exhaustion, on an exception, or when the consumer abandons the stream (``break``,
``close()``/``aclose()``, garbage collection). Each step runs with the span current, so
calls made inside the generator body nest under it. The span records the chunk count,
``gen_ai.response.time_to_first_chunk`` and the aggregated output (strings joined,
anything else as a list), capped.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, AsyncGenerator, Generator

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api

from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.serialization.serializer import MAX_ITEMS
from fluxloop_otel.telemetry import Invocation, LLMInvocation, Telemetry, detach
from fluxloop_otel.telemetry.usage import extract_usage

if TYPE_CHECKING:
    from fluxloop_otel.core.decorators import CallPlan

#: Appended to an aggregated stream output that hit the content cap.
STREAM_TRUNCATED = " …[stream truncated]"


class StreamState:
    """Chunk count, first-chunk latency and the capped aggregate of one stream."""

    __slots__ = ("telemetry", "plan", "record", "started", "chunks", "first_chunk_at", "texts", "items", "size", "truncated", "usage", "keep")

    def __init__(self, telemetry: Telemetry, plan: "CallPlan", record: Invocation) -> None:
        self.telemetry = telemetry
        self.plan = plan
        self.record = record
        self.started = time.monotonic()
        self.chunks = 0
        self.first_chunk_at: float | None = None
        self.texts: list[str] | None = []
        self.items: list[Any] = []
        self.size = 0
        self.truncated = False
        self.usage = None
        self.keep = plan.capture_output and telemetry.capture_content

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        if self.first_chunk_at is None:
            self.first_chunk_at = time.monotonic()
        if type(chunk) is not str:
            if self.plan.observation_type is ObservationType.GENERATION and self.plan.capture_tokens:
                usage = extract_usage(chunk)
                if usage:
                    self.usage = usage
            self.texts = None
        if self.truncated or not self.keep:
            return
        limit = self.telemetry.serializer.max_chars
        if type(chunk) is str:
            self.size += len(chunk)
        if self.size > limit or len(self.items) >= MAX_ITEMS:
            self.truncated = True
            return
        self.items.append(chunk)

    def aggregate(self) -> Any:
        if self.texts is not None and all(type(item) is str for item in self.items):
            text = "".join(self.items)
            if self.truncated:  # keep the marker inside the content cap
                text = text[: max(0, self.telemetry.serializer.max_chars - len(STREAM_TRUNCATED))] + STREAM_TRUNCATED
            return text
        items = list(self.items)
        if self.truncated:
            items.append(STREAM_TRUNCATED.strip())
        return items

    def finish(self, error: BaseException | None = None, end_reason: str | None = None) -> None:
        record = self.record
        record.chunks = self.chunks
        if self.first_chunk_at is not None:
            record.time_to_first_chunk = self.first_chunk_at - self.started
        if isinstance(record, LLMInvocation):
            record.stream = True
            record.read_usage = False  # usage comes from the chunks, not from the aggregate
            record.usage = self.usage
        if error is None and self.chunks and self.keep:
            result = self.aggregate()
            if isinstance(record, LLMInvocation):
                record.response = result
            else:
                record.output = result
        if error is not None:
            self.telemetry.fail(record, error)
        else:
            self.telemetry.stop(record, end_reason)


def trace_generator(
    telemetry: Telemetry, plan: "CallPlan", inner: Generator[Any, Any, Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Generator[Any, Any, Any]:
    """Wrap a generator so one span covers its whole iteration."""
    record = plan.record(telemetry, instance, args, kwargs)  # inputs as they are at call time
    record.parent = context_api.get_current()
    return _drive_generator(telemetry, plan, inner, record)


def _start(telemetry: Telemetry, plan: "CallPlan", record: Invocation) -> tuple[StreamState, context_api.Context]:
    span = telemetry.start(record, static=plan.static_for(record))
    return StreamState(telemetry, plan, record), trace_api.set_span_in_context(span, record.parent)


def _drive_generator(
    telemetry: Telemetry, plan: "CallPlan", inner: Generator[Any, Any, Any], record: Invocation
) -> Generator[Any, Any, Any]:
    state, step_context = _start(telemetry, plan, record)
    to_send: Any = None
    to_throw: BaseException | None = None
    while True:
        token = context_api.attach(step_context)
        try:
            if to_throw is not None:
                error, to_throw = to_throw, None
                chunk = inner.throw(error)
            else:
                chunk = inner.send(to_send)
        except StopIteration as stop:
            detach(token)
            state.finish()
            return stop.value
        except BaseException as exc:
            detach(token)
            state.finish(error=exc)
            raise
        detach(token)
        state.add(chunk)
        try:
            to_send = yield chunk
        except GeneratorExit:
            try:
                inner.close()
            finally:
                state.finish(end_reason="closed")
            raise
        except BaseException as exc:
            to_throw = exc


def trace_async_generator(
    telemetry: Telemetry, plan: "CallPlan", inner: AsyncGenerator[Any, Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncGenerator[Any, Any]:
    """Wrap an async generator so one span covers its whole iteration."""
    record = plan.record(telemetry, instance, args, kwargs)
    record.parent = context_api.get_current()
    return _drive_async_generator(telemetry, plan, inner, record)


async def _drive_async_generator(
    telemetry: Telemetry, plan: "CallPlan", inner: AsyncGenerator[Any, Any], record: Invocation
) -> AsyncGenerator[Any, Any]:
    state, step_context = _start(telemetry, plan, record)
    to_send: Any = None
    to_throw: BaseException | None = None
    while True:
        token = context_api.attach(step_context)
        try:
            if to_throw is not None:
                error, to_throw = to_throw, None
                chunk = await inner.athrow(error)
            else:
                chunk = await inner.asend(to_send)
        except StopAsyncIteration:
            detach(token)
            state.finish()
            return
        except asyncio.CancelledError:
            detach(token)
            state.finish(end_reason="cancelled")
            raise
        except BaseException as exc:
            detach(token)
            state.finish(error=exc)
            raise
        detach(token)
        state.add(chunk)
        try:
            to_send = yield chunk
        except GeneratorExit:
            try:
                await inner.aclose()
            finally:
                state.finish(end_reason="closed")
            raise
        except BaseException as exc:
            to_throw = exc
