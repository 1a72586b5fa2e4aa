"""One span around an async generator, shared by the framework instrumentations (NAT, AGNT5).

The span starts at the first step and ends when the stream is exhausted, fails, is closed
(``break``, ``aclose()``, garbage collection: end reason ``closed``) or cancelled. During each
step the span is current (attached and detached in the same frame, so no context ever leaks
into the consumer between steps), and the wrapped generator is always closed in ``finally``:
an abandoned stream closes the framework's own generator too.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Callable

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import Context

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry import Telemetry, WorkflowInvocation, detach

#: Cap on the items kept as a stream's output.
MAX_ITEMS = 200


def start(telemetry: Telemetry, inv: Any, parent: Context) -> Any:
    """Start ``inv``'s span under ``parent``. A framework's workflow run (a ``WorkflowInvocation``)
    is what ``instrument()`` is: a FluxLoop trace of its own when nothing is current, else an
    observation of the current trace."""
    if isinstance(inv, WorkflowInvocation):
        if not trace_api.get_current_span(parent).get_span_context().is_valid:
            return telemetry.start_root(inv)
        inv.attributes = {A.FLUXLOOP_OBSERVATION_TYPE: ObservationType.SPAN.value, A.FLUXLOOP_OBSERVATION_NAME: inv.name}
    return telemetry.start(inv, parent)


async def traced_call(
    telemetry: Telemetry,
    inv: Any,
    context: Context,
    call: Callable[[], Any],
    finish: Callable[[Any, Any], None] | None = None,
) -> Any:
    """Await ``call()`` with ``inv``'s (started) span current in ``context``; the record then
    stops with the result (``finish(inv, result)``, else ``inv.output``), stops as ``cancelled``
    or fails. An unexpected result shape ends the span without it; nothing reaches the caller."""
    token = context_api.attach(trace_api.set_span_in_context(inv.span, context))
    try:
        result = await call()
    except asyncio.CancelledError:
        telemetry.stop(inv, "cancelled")
        raise
    except BaseException as exc:
        telemetry.fail(inv, exc)
        raise
    else:
        try:
            if finish is not None:
                finish(inv, result)
            else:
                inv.output = result
        except Exception:  # an unexpected result shape: the span ends without it
            pass
        telemetry.stop(inv)
        return result
    finally:
        detach(token)


async def traced_stream(
    telemetry: Telemetry,
    inv: Any,
    stream: Any,
    parent: Context,
    observe: Callable[[Any, Any], None] | None = None,
    step_values: dict[Any, Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield ``stream``'s items under ``inv``'s span (a child of ``parent``).

    ``observe(inv, item)`` sees every item (fill output, usage...); without it the items
    (up to :data:`MAX_ITEMS`) become the output. ``step_values`` are context values set
    while a step runs (e.g. "a generation is open here").
    """
    span = start(telemetry, inv, parent)
    step_context = trace_api.set_span_in_context(span, parent)
    for key, value in (step_values or {}).items():
        step_context = context_api.set_value(key, value, step_context)
    items: list[Any] = []
    # A model call the framework made without streaming (and replays as events) is no stream.
    streamed = getattr(inv, "stream", True) is not False
    chunks = 0
    started = time.monotonic()
    reason: str | None = None
    error: BaseException | None = None
    try:
        while True:
            token = context_api.attach(step_context)
            try:
                item = await stream.__anext__()
            except StopAsyncIteration:
                break
            finally:
                detach(token)
            if not chunks and streamed:
                inv.time_to_first_chunk = time.monotonic() - started
            chunks += 1
            if observe is not None:
                try:
                    observe(inv, item)
                except Exception:  # an unexpected item shape: the stream goes on, unrecorded
                    pass
            elif len(items) < MAX_ITEMS:
                items.append(item)
            yield item
    except GeneratorExit:
        reason = "closed"
        raise
    except asyncio.CancelledError:
        reason = "cancelled"
        raise
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            await stream.aclose()
        except BaseException as exc:  # the framework's own cleanup failed: that is the outcome
            if error is None and reason is None:
                error = exc
            raise
        finally:
            if streamed:
                inv.chunks = chunks
            if observe is None and reason is None and error is None:
                inv.output = items
            if error is not None:
                telemetry.fail(inv, error)
            else:
                telemetry.stop(inv, reason)
