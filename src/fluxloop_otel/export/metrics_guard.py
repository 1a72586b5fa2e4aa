"""``GuardedMetricExporter``: the GenAI metrics' OTLP exporter, contained like the span exporters.

The MeterProvider ``configure()`` makes for the GenAI metrics exports through this wrapper:

* an exception never leaves ``export`` (it becomes ``FAILURE``);
* the wrapped exporter's error and retry logs are captured, not printed: the span exporter's
  guard (:mod:`.guard`) already gives the one warning per outage for the same endpoint;
* after a failure the backend rests (``retry_after`` seconds, doubling up to ``max_retry_after``):
  exports in that window are dropped at once.

:func:`bounded` runs a flush or shutdown of the MeterProvider on a helper thread and waits at
most the given time, so ``force_flush()``, ``shutdown()`` and interpreter exit never wait on a
hanging metrics backend longer than they allow.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData

from fluxloop_otel.export.guard import _capture, _Captured, _filter_lock, _filtered_loggers

logger = logging.getLogger("fluxloop_otel.export")


def _capture_logs_of(exporter: object) -> None:
    names = {cls.__module__ for cls in type(exporter).__mro__ if cls.__module__.startswith("opentelemetry.")}
    names.update(("opentelemetry.exporter.otlp.common.http", "opentelemetry.exporter.otlp.proto.grpc.exporter"))
    with _filter_lock:
        for name in names - _filtered_loggers:
            logging.getLogger(name).addFilter(_capture)
            _filtered_loggers.add(name)


class GuardedMetricExporter(MetricExporter):
    """``inner`` with contained faults and a back-off while failing (no logs of its own but DEBUG)."""

    def __init__(self, inner: MetricExporter, *, retry_after: float = 5.0, max_retry_after: float = 60.0) -> None:
        super().__init__(
            preferred_temporality=getattr(inner, "_preferred_temporality", None),
            preferred_aggregation=getattr(inner, "_preferred_aggregation", None),
        )
        self.inner = inner
        self._retry_after = retry_after
        self._max_retry_after = max_retry_after
        self._failures = 0
        self._resting_until = 0.0
        _capture_logs_of(inner)

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        if self._failures and time.monotonic() < self._resting_until:
            return MetricExportResult.FAILURE
        with _Captured():
            try:
                result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
            except Exception as exc:  # the exporter's fault must not reach the reader's thread
                logger.debug("fluxloop-otel: GenAI metrics export raised %r", exc)
                result = MetricExportResult.FAILURE
        if result is MetricExportResult.SUCCESS:
            self._failures = 0
        else:
            self._failures += 1
            rest = min(self._max_retry_after, self._retry_after * 2 ** min(self._failures - 1, 16))
            self._resting_until = time.monotonic() + rest
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        try:
            return bool(self.inner.force_flush(timeout_millis=timeout_millis))
        except Exception:
            return False

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        with _Captured():
            try:
                self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)
            except Exception as exc:
                logger.debug("fluxloop-otel: metric exporter shutdown raised %r", exc)


def bounded(action: Callable[[], Any], seconds: float) -> bool:
    """Run ``action`` on a daemon thread; True if it finished (without raising) within ``seconds``."""
    outcome: list[bool] = []

    def run() -> None:
        try:
            with _Captured():
                action()
            outcome.append(True)
        except Exception as exc:
            logger.debug("fluxloop-otel: GenAI metrics flush raised %r", exc)

    thread = threading.Thread(target=run, name="fluxloop-otel-metrics-flush", daemon=True)
    thread.start()
    thread.join(max(0.0, seconds))
    return bool(outcome)


__all__ = ["GuardedMetricExporter", "bounded"]
