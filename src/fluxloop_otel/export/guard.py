"""``GuardedExporter``: a span exporter whose backend may be down, slow or gone.

Wraps any SDK ``SpanExporter`` (in practice the official OTLP exporters) so that:

* an exception from the exporter never leaves ``export`` (it becomes ``FAILURE``);
* the first failure is reported by **one** warning that names the backend and the reason;
  the wrapped exporter's own per-batch error and retry logs are captured instead of
  printed (only for calls made through this wrapper, so a user's other exporters keep
  their logs); later failures are only counted in :attr:`stats`;
* after a failure the backend is given a rest (``retry_after`` seconds, doubling up to
  ``max_retry_after``): batches in that window are dropped at once instead of waiting on
  a dead or hanging endpoint; the first batch after the window is the probe;
* a recovery is logged once at INFO with the number of spans lost meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

logger = logging.getLogger("fluxloop_otel.export")

#: Loggers the official OTLP exporters report through, besides their own modules.
_EXTRA_EXPORTER_LOGGERS = ("opentelemetry.exporter.otlp.common.http",)


@dataclass
class ExportStats:
    """Counters of one guarded exporter (cumulative)."""

    exported_spans: int = 0
    failed_batches: int = 0
    dropped_spans: int = 0
    skipped_batches: int = 0
    last_error: str | None = None


class _CaptureFilter(logging.Filter):
    """Swallows records logged on a thread while that thread exports through a guard."""

    def __init__(self) -> None:
        super().__init__("fluxloop-otel-capture")
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        captured: list[logging.LogRecord] | None = getattr(self.local, "records", None)
        if captured is None:
            return True
        if record.levelno >= logging.WARNING:
            captured.append(record)
        return False


_capture = _CaptureFilter()
_filtered_loggers: set[str] = set()
_filter_lock = threading.Lock()


def wrapped_chain(exporter: SpanExporter) -> Iterator[SpanExporter]:
    """``exporter`` and the exporters it wraps (through their ``inner`` attribute)."""
    current: object = exporter
    while isinstance(current, SpanExporter):
        yield current
        current = getattr(current, "inner", None)


def _install_capture(exporter: SpanExporter) -> None:
    names = {
        cls.__module__
        for wrapped in wrapped_chain(exporter)
        for cls in type(wrapped).__mro__
        if cls.__module__.startswith("opentelemetry.")
    }
    names.update(_EXTRA_EXPORTER_LOGGERS)
    with _filter_lock:
        for name in names - _filtered_loggers:
            logging.getLogger(name).addFilter(_capture)
            _filtered_loggers.add(name)


class _Captured:
    def __enter__(self) -> list[logging.LogRecord]:
        self.records: list[logging.LogRecord] = []
        _capture.local.records = self.records
        return self.records

    def __exit__(self, *exc: object) -> None:
        _capture.local.records = None


def describe(exporter: SpanExporter) -> str:
    """A short name of an exporter's destination for log messages."""
    innermost = list(wrapped_chain(exporter))[-1]
    endpoint = getattr(innermost, "_endpoint", None)
    kind = type(innermost).__module__.replace("opentelemetry.exporter.", "").split(".trace_exporter")[0]
    return f"{endpoint} ({kind})" if endpoint else type(innermost).__name__


class GuardedExporter(SpanExporter):
    """``inner`` with contained faults, one warning per outage and a back-off while failing."""

    def __init__(
        self,
        inner: SpanExporter,
        *,
        retry_after: float = 5.0,
        max_retry_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.stats = ExportStats()
        self._retry_after = retry_after
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._resting_until = 0.0
        self._consecutive_failures = 0
        self._warned = False
        #: Set when the processor shuts down: failures then go into the one line of :meth:`report_undelivered`.
        self.closing = False
        self._in_flight: list[logging.LogRecord] | None = None
        self._in_flight_spans = 0
        self._lock = threading.Lock()
        self._target = describe(inner)
        _install_capture(inner)

    @property
    def failing(self) -> bool:
        """True while the last export failed (until a probe succeeds)."""
        return self._consecutive_failures > 0

    @property
    def resting(self) -> bool:
        """True while batches are dropped without trying the backend."""
        return self._consecutive_failures > 0 and self._clock() < self._resting_until

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.resting:
            with self._lock:
                self.stats.skipped_batches += 1
                self.stats.dropped_spans += len(spans)
            return SpanExportResult.FAILURE
        error: str | None = None
        with _Captured() as records:
            self._in_flight = records
            self._in_flight_spans = len(spans)
            try:
                result = self.inner.export(spans)
            except Exception as exc:  # the exporter's fault must not reach the worker thread
                result, error = SpanExportResult.FAILURE, repr(exc)
            finally:
                self._in_flight = None
                self._in_flight_spans = 0
        if result is SpanExportResult.SUCCESS:
            self._succeeded(len(spans))
        else:
            self._failed(len(spans), error or _reason(records))
        return result

    @property
    def struggling(self) -> bool:
        """True while an export is in flight and the exporter has already reported a problem
        (it is retrying: connection refused, UNAVAILABLE, 5xx...)."""
        return bool(self._in_flight)

    def interrupt(self) -> None:
        """Stop the wrapped exporter now (the official exporters cut their retry wait short).

        Used at exit when the backend does not answer: the export in flight and the ones
        after it fail at once instead of waiting out the export timeout. Its warning is
        replaced by :meth:`report_undelivered`.
        """
        with self._lock:
            self._warned = True
        with _Captured():
            try:
                self.inner.shutdown()
            except Exception as exc:
                logger.debug("fluxloop-otel: exporter shutdown raised %r", exc)

    def report_undelivered(self, still_queued: int = 0) -> int:
        """Log one line with the number of spans that did not reach the backend (if any); returns it."""
        with self._lock:
            lost = self.stats.dropped_spans + still_queued + self._in_flight_spans
            reason = self.stats.last_error
        if lost:
            logger.warning(
                "fluxloop-otel: OTLP export to %s failed%s: %d span(s) did not reach it; "
                "the FluxLoop JSONL files are not affected (complete)",
                self._target,
                f" ({_first_cause(reason)})" if reason else "",
                lost,
            )
        return lost

    def drop(self, count: int = 1) -> None:
        """Count spans dropped before they reached :meth:`export` (the backend is resting)."""
        with self._lock:
            self.stats.dropped_spans += count

    def shutdown(self) -> None:
        with _Captured():
            try:
                self.inner.shutdown()
            except Exception as exc:
                logger.debug("fluxloop-otel: exporter shutdown raised %r", exc)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        try:
            return self.inner.force_flush(timeout_millis)
        except Exception:
            return False

    # -- internals ---------------------------------------------------------------------------
    def _succeeded(self, count: int) -> None:
        with self._lock:
            self.stats.exported_spans += count
            recovered = self._consecutive_failures > 0
            self._consecutive_failures = 0
            lost = self.stats.dropped_spans
        if recovered:
            logger.info("fluxloop-otel: OTLP export to %s works again (%d span(s) were not delivered)", self._target, lost)

    def _failed(self, count: int, reason: str) -> None:
        with self._lock:
            self.stats.failed_batches += 1
            self.stats.dropped_spans += count
            self.stats.last_error = reason
            self._consecutive_failures += 1
            rest = min(self._max_retry_after, self._retry_after * 2 ** min(self._consecutive_failures - 1, 16))
            self._resting_until = self._clock() + rest
        if self.closing:
            return
        self.warn_once(
            f"failed: {reason}. Spans for this backend are dropped while it fails (retried every "
            f"{self._retry_after:.0f}-{self._max_retry_after:.0f} s)"
        )

    def warn_once(self, problem: str) -> None:
        """Log the one warning of this exporter (later problems are only counted).

        While an export is in flight, what the exporter reported so far is added.
        """
        in_flight = self._in_flight
        if in_flight:
            problem = f"{problem} (in flight: {_reason(list(in_flight))})"
        with self._lock:
            if self._warned:
                return
            self._warned = True
        logger.warning(
            "fluxloop-otel: OTLP export to %s %s; the FluxLoop JSONL files are not affected. "
            "Further export problems are counted, not logged.",
            self._target,
            problem,
        )


def _reason(records: list[logging.LogRecord]) -> str:
    """What the wrapped exporter logged for a failed export: the first error it met and how it ended."""
    if not records:
        return "the exporter reported FAILURE"
    first, last = _message(records[0]), _message(records[-1])
    return first if first == last else f"{first} ... {last}"


def _message(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:
        text = str(record.msg)
    return text.strip().rstrip(".")



def _first_cause(reason: str, limit: int = 160) -> str:
    """The gist of an exporter's error text for a one-line message."""
    for marker in ("Connection refused", "failed to connect to all addresses", "Name or service not known", "timed out", "UNAVAILABLE"):
        if marker in reason:
            return marker
    text = " ".join(reason.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
