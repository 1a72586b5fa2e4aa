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

from fluxloop_otel.core import spans
from fluxloop_otel.core.usage import extract_usage
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.serialization.serializer import MAX_ITEMS

if TYPE_CHECKING:
    from fluxloop_otel.core.decorators import CallPlan
    from fluxloop_otel.core.runtime import Runtime


class StreamState:
    """Chunk count, first-chunk latency and the capped aggregate of one stream."""

    __slots__ = ("rt", "plan", "span", "started", "chunks", "first_chunk_at", "texts", "items", "size", "truncated", "usage")

    def __init__(self, rt: "Runtime", plan: "CallPlan", span: trace_api.Span) -> None:
        self.rt = rt
        self.plan = plan
        self.span = span
        self.started = time.monotonic()
        self.chunks = 0
        self.first_chunk_at: float | None = None
        self.texts: list[str] | None = []
        self.items: list[Any] = []
        self.size = 0
        self.truncated = False
        self.usage = None

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
        if self.truncated or not (self.plan.capture_output and self.rt.capture_content):
            return
        limit = self.rt.serializer.max_chars
        if type(chunk) is str:
            self.size += len(chunk)
        if self.size > limit or len(self.items) >= MAX_ITEMS:
            self.truncated = True
            return
        self.items.append(chunk)

    def aggregate(self) -> Any:
        if self.texts is not None and all(type(item) is str for item in self.items):
            return "".join(self.items)
        return list(self.items)

    def finish(self, error: BaseException | None = None, end_reason: str | None = None) -> None:
        span = self.span
        attributes: dict[str, Any] = {A.FLUXLOOP_STREAM_CHUNKS: self.chunks}
        if self.first_chunk_at is not None:
            attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = self.first_chunk_at - self.started
        if end_reason:
            attributes[A.FLUXLOOP_STREAM_END_REASON] = end_reason
        if self.plan.observation_type is ObservationType.GENERATION:
            attributes[A.GEN_AI_REQUEST_STREAM] = True
        if error is None and self.chunks:
            result = self.aggregate()
            attributes.update(
                spans.output_attributes(self.rt, self.plan.observation_type, result, self.plan.capture_output, False)
            )
            if self.truncated and A.OUTPUT_VALUE in attributes:
                attributes[A.OUTPUT_VALUE] = attributes[A.OUTPUT_VALUE] + " …[stream truncated]"
        if self.usage:
            attributes.update(spans.mapping.usage_attributes(self.usage))
        try:
            span.set_attributes(attributes)
            if error is not None:
                spans.record_error(span, error)
        finally:
            span.end()


def _prepare(rt: "Runtime", plan: "CallPlan", instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, dict[str, Any], context_api.Context]:
    name, attributes = plan.start_attributes(rt, instance, args, kwargs)
    return name, attributes, context_api.get_current()


def trace_generator(
    rt: "Runtime", plan: "CallPlan", inner: Generator[Any, Any, Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Generator[Any, Any, Any]:
    """Wrap a generator so one span covers its whole iteration."""
    name, attributes, parent = _prepare(rt, plan, instance, args, kwargs)
    return _drive_generator(rt, plan, inner, name, attributes, parent)


def _drive_generator(
    rt: "Runtime", plan: "CallPlan", inner: Generator[Any, Any, Any], name: str, attributes: dict[str, Any], parent: context_api.Context
) -> Generator[Any, Any, Any]:
    span = rt.tracer.start_span(name, context=parent, attributes=attributes)
    state = StreamState(rt, plan, span)
    step_context = trace_api.set_span_in_context(span, parent)
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
            spans.safe_detach(token)
            state.finish()
            return stop.value
        except BaseException as exc:
            spans.safe_detach(token)
            state.finish(error=exc)
            raise
        spans.safe_detach(token)
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
    rt: "Runtime", plan: "CallPlan", inner: AsyncGenerator[Any, Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncGenerator[Any, Any]:
    """Wrap an async generator so one span covers its whole iteration."""
    name, attributes, parent = _prepare(rt, plan, instance, args, kwargs)
    return _drive_async_generator(rt, plan, inner, name, attributes, parent)


async def _drive_async_generator(
    rt: "Runtime", plan: "CallPlan", inner: AsyncGenerator[Any, Any], name: str, attributes: dict[str, Any], parent: context_api.Context
) -> AsyncGenerator[Any, Any]:
    span = rt.tracer.start_span(name, context=parent, attributes=attributes)
    state = StreamState(rt, plan, span)
    step_context = trace_api.set_span_in_context(span, parent)
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
            spans.safe_detach(token)
            state.finish()
            return
        except asyncio.CancelledError:
            spans.safe_detach(token)
            state.finish(end_reason="cancelled")
            raise
        except BaseException as exc:
            spans.safe_detach(token)
            state.finish(error=exc)
            raise
        spans.safe_detach(token)
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
