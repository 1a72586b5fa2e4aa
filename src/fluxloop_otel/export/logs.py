"""GenAI log events out of the process: the logger provider ``configure()`` emits them through.

Treated like tracer providers, without ever installing a global one:

* a global SDK ``LoggerProvider`` the user installed is used as it is (with ``configure()``'s
  OTLP log exporter added only when ``configure(otlp_endpoint=...)`` names an endpoint);
* otherwise, when an OTLP endpoint is set (argument or ``OTEL_EXPORTER_OTLP_*``), a private
  ``LoggerProvider`` with the official OTLP log exporter (batched) is made for fluxloop-otel's
  events only; ``shutdown()`` stops it;
* with neither, events go to the global logger provider's proxy: nowhere until the user installs one.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger("fluxloop_otel.export")

HTTP_LOGS_PATH = "/v1/logs"
_LOGS_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"


def http_logs_url(endpoint: str) -> str:
    """The logs URL next to a traces endpoint: ``/v1/traces`` -> ``/v1/logs``; no path -> ``/v1/logs``."""
    parts = urlsplit(endpoint)
    path = parts.path
    if path in ("", "/"):
        path = HTTP_LOGS_PATH
    elif path.endswith("/v1/traces"):
        path = path[: -len("/v1/traces")] + HTTP_LOGS_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def build_otlp_log_exporter(protocol: str, endpoint: str | None, headers: Mapping[str, str] | None = None) -> Any:
    """The official OTLP log exporter (``endpoint`` None: it reads ``OTEL_EXPORTER_OTLP_LOGS_*`` itself)."""
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter

        return GrpcLogExporter(endpoint=endpoint, headers=dict(headers) if headers else None)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter

    return HttpLogExporter(endpoint=http_logs_url(endpoint) if endpoint else None, headers=dict(headers) if headers else None)


def _processor(protocol: str, endpoint: str | None, headers: Mapping[str, str] | None) -> Any:
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    if os.environ.get(_LOGS_ENDPOINT_ENV):  # the user named the logs endpoint: the exporter reads it
        endpoint = None
    return BatchLogRecordProcessor(build_otlp_log_exporter(protocol, endpoint, headers))


class EventLogPipeline:
    """Chooses (and owns, when it makes one) the logger provider of GenAI events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.own: Any = None
        self._own_key: tuple[Any, ...] | None = None
        self._attached: "weakref.WeakKeyDictionary[Any, tuple[Any, ...]]" = weakref.WeakKeyDictionary()

    def provider_for(
        self,
        *,
        endpoint: str | None,
        protocol: str,
        headers: Mapping[str, str] | None,
        explicit: bool,
        resource: Any = None,
    ) -> Any:
        """The logger provider events go to (``None``: the global provider's proxy)."""
        from opentelemetry import _logs
        from opentelemetry.sdk._logs import LoggerProvider

        key = (endpoint, protocol, repr(headers))
        with self._lock:
            current = _logs.get_logger_provider()
            if isinstance(current, LoggerProvider) and current is not self.own:  # the user's own
                if explicit and endpoint and self._attached.get(current) != key:
                    current.add_log_record_processor(_processor(protocol, endpoint, headers))
                    self._attached[current] = key
                return current
            if not endpoint and not os.environ.get(_LOGS_ENDPOINT_ENV):
                self._close_own()
                return None
            if self.own is None or self._own_key != key:
                self._close_own()
                provider = LoggerProvider(resource=resource) if resource is not None else LoggerProvider()
                provider.add_log_record_processor(_processor(protocol, endpoint, headers))
                self.own, self._own_key = provider, key
            return self.own

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        own = self.own
        if own is None:
            return True
        try:
            return bool(own.force_flush(timeout_millis))
        except Exception:
            return False

    def shutdown(self) -> None:
        with self._lock:
            self._close_own()

    def _close_own(self) -> None:
        own, self.own, self._own_key = self.own, None, None
        if own is not None:
            try:
                own.shutdown()
            except Exception as exc:  # never let a logging pipeline fail configure()/shutdown()
                logger.debug("fluxloop-otel: event log provider shutdown raised %r", exc)


#: The pipeline ``configure()`` uses.
event_logs = EventLogPipeline()

__all__ = ["EventLogPipeline", "build_otlp_log_exporter", "event_logs", "http_logs_url"]
