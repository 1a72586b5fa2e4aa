"""``GuardedBatchSpanProcessor``: the SDK's BatchSpanProcessor with bounded flush and shutdown.

The SDK's ``BatchSpanProcessor.force_flush`` ignores its timeout and exports on the
caller's thread, and its ``shutdown`` waits for an export that may hang on a dead backend.
This subclass keeps everything else (``OTEL_BSP_*`` settings, the worker thread) and:

* skips the queue entirely while its :class:`GuardedExporter` rests after a failure,
  so a down backend costs the traced program one attribute read per span, and drops
  (counts) spans itself when the queue is full, so the one warning comes from the guard;
* runs ``force_flush``/``shutdown`` on a helper thread and waits at most the timeout;
  when the backend is known to be failing it does not wait at all.
"""

from __future__ import annotations

import threading
from typing import Callable

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from fluxloop_otel.export.guard import GuardedExporter

#: Seconds ``shutdown`` may wait for a backend that has not failed (yet): the exporters' default timeout.
DEFAULT_SHUTDOWN_TIMEOUT = 10.0
#: Seconds ``shutdown`` waits when the backend is known to be failing.
_GIVE_UP_SECONDS = 0.5


class GuardedBatchSpanProcessor(BatchSpanProcessor):
    """A BatchSpanProcessor around a :class:`GuardedExporter` that never blocks past its timeouts."""

    def __init__(self, exporter: GuardedExporter, *, shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT, **options: object) -> None:
        super().__init__(exporter, **options)  # type: ignore[arg-type]
        self.guard = exporter
        self.shutdown_timeout = shutdown_timeout
        self._closing = False
        self._flush_timed_out = False
        self._max_queue = int(getattr(self._batch_processor, "_max_queue_size", 0)) or 1 << 62
        self._queue = getattr(self._batch_processor, "_queue", None)  # the SDK's deque (kept across fork)

    def on_end(self, span: ReadableSpan) -> None:
        if self.guard.resting:
            self.guard.drop()
            return
        if self._queue_full():
            self.guard.drop()
            self.guard.warn_once(f"cannot keep up: its queue of {self._max_queue} spans is full and spans are dropped")
            return
        super().on_end(span)

    def force_flush(self, timeout_millis: int | None = 30000) -> bool:
        if self.guard.failing or self._closing:
            return False
        timeout = 30.0 if timeout_millis is None else max(0, timeout_millis) / 1000
        outcome = _bounded(lambda: super(GuardedBatchSpanProcessor, self).force_flush(timeout_millis), timeout, "flush")
        self._flush_timed_out = outcome is _UNFINISHED
        return outcome is True and not self.guard.failing

    def shutdown(self) -> None:
        """Stop, delivering what is queued for at most ``shutdown_timeout`` seconds (a moment when the
        backend is failing or the last flush timed out)."""
        if self._closing:
            return
        self._closing = True
        timeout = _GIVE_UP_SECONDS if self.guard.failing or self._flush_timed_out else self.shutdown_timeout
        if _bounded(super().shutdown, timeout, "shutdown") is _UNFINISHED:
            self.guard.warn_once(f"did not complete within {timeout:g} s of shutdown; undelivered spans are dropped")

    def _queue_full(self) -> bool:
        return self._queue is not None and len(self._queue) >= self._max_queue


_UNFINISHED = object()


def _bounded(call: Callable[[], object], timeout: float, what: str) -> object:
    """``call()`` on a daemon thread; its result (None if it raised), or ``_UNFINISHED`` after ``timeout``."""
    outcome: list[object] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(call())
        except Exception:
            outcome.append(None)
        finally:
            done.set()

    try:
        threading.Thread(target=run, name=f"fluxloop-otel-otlp-{what}", daemon=True).start()
    except RuntimeError:  # no new threads at interpreter shutdown: do it here
        run()
    if not done.wait(timeout):
        return _UNFINISHED
    return outcome[0] if outcome else None
