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
import time
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
        call = lambda: super(GuardedBatchSpanProcessor, self).force_flush(timeout_millis)  # noqa: E731
        outcome = _bounded(call, timeout, "flush", give_up=lambda: self.guard.struggling)
        self._flush_timed_out = outcome is _UNFINISHED
        return outcome is True and not self.guard.failing

    def shutdown(self) -> None:
        """Stop, delivering what is queued for at most ``shutdown_timeout`` seconds.

        A backend known to be failing (or whose last flush timed out) gets a moment only; one that
        turns out not to answer during the shutdown (the exporter starts retrying: connection
        refused, UNAVAILABLE) is interrupted at once instead of waiting out the exporter's retries.
        Either way one line says how many spans did not reach it.
        """
        if self._closing:
            return
        self._closing = True
        self.guard.closing = True
        timeout = _GIVE_UP_SECONDS if self.guard.failing or self._flush_timed_out else self.shutdown_timeout
        stopping = _Background(super().shutdown, "shutdown")
        outcome = stopping.wait(timeout, give_up=lambda: self.guard.struggling)
        if outcome is _GAVE_UP:
            self.guard.interrupt()  # the export in flight (and the rest of the queue) fails now
            outcome = stopping.wait(_GIVE_UP_SECONDS)
        self.guard.report_undelivered(self._queued() if outcome is _UNFINISHED else 0)

    def _queued(self) -> int:
        return len(self._queue) if self._queue is not None else 0

    def _queue_full(self) -> bool:
        return self._queue is not None and len(self._queue) >= self._max_queue


_UNFINISHED = object()
_GAVE_UP = object()
#: Seconds between checks of ``give_up`` while waiting.
_POLL_SECONDS = 0.02


class _Background:
    """``call()`` on a daemon thread, waited for with a bound."""

    def __init__(self, call: Callable[[], object], what: str) -> None:
        self._call = call
        self._outcome: list[object] = []
        self.done = threading.Event()
        try:
            threading.Thread(target=self._run, name=f"fluxloop-otel-otlp-{what}", daemon=True).start()
        except RuntimeError:  # no new threads at interpreter shutdown: do it here
            self._run()

    def _run(self) -> None:
        try:
            self._outcome.append(self._call())
        except Exception:
            self._outcome.append(None)
        finally:
            self.done.set()

    def wait(self, timeout: float, give_up: Callable[[], bool] | None = None) -> object:
        """The result (None if it raised), ``_UNFINISHED`` after ``timeout``, or ``_GAVE_UP`` as soon
        as ``give_up()`` is true while the call runs."""
        deadline = time.monotonic() + timeout
        while not self.done.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _UNFINISHED
            if give_up is not None and give_up():
                return _GAVE_UP
            self.done.wait(min(remaining, _POLL_SECONDS) if give_up is not None else remaining)
        return self._outcome[0] if self._outcome else None


def _bounded(call: Callable[[], object], timeout: float, what: str, give_up: Callable[[], bool] | None = None) -> object:
    """``call()`` on a daemon thread; see :meth:`_Background.wait`."""
    return _Background(call, what).wait(timeout, give_up)
