"""OTLP export through the official exporters, configured like any OTel SDK.

The exporters read the standard variables themselves (``OTEL_EXPORTER_OTLP_(TRACES_)*``:
endpoint, headers, timeout, compression, certificates, insecure); ``configure()`` options
only override what they name. Every exporter built here is wrapped, innermost first, by
:class:`ContentFilteringExporter` (when content stays local), :class:`MaskingExporter` (secrets in
other instrumentations' spans, when ``mask_secrets``) and :class:`GuardedExporter`,
and batched by :class:`GuardedBatchSpanProcessor`.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping
from urllib.parse import urlsplit

from opentelemetry.sdk.trace.export import SpanExporter

from fluxloop_otel.export.batch import GuardedBatchSpanProcessor
from fluxloop_otel.export.content_filter import ContentFilteringExporter
from fluxloop_otel.export.guard import GuardedExporter
from fluxloop_otel.export.masking import MaskingExporter
from fluxloop_otel.serialization.redaction import SecretMasker

logger = logging.getLogger("fluxloop_otel.export")

HTTP_TRACES_PATH = "/v1/traces"


def http_traces_url(endpoint: str) -> str:
    """``endpoint`` with ``/v1/traces`` appended when it has no path (``http://host:4318``)."""
    parts = urlsplit(endpoint)
    if parts.path in ("", "/"):
        return endpoint.rstrip("/") + HTTP_TRACES_PATH
    return endpoint


def build_otlp_exporter(protocol: str, endpoint: str | None = None, headers: Mapping[str, str] | None = None) -> SpanExporter:
    """The official OTLP span exporter for ``protocol`` (``http/protobuf`` or ``grpc``).

    ``endpoint``/``headers`` are passed only when given; otherwise the exporter reads
    ``OTEL_EXPORTER_OTLP_*`` itself. An HTTP endpoint without a path gets ``/v1/traces``.
    """
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter(endpoint=endpoint, headers=dict(headers) if headers else None)
    if protocol == "http/json":
        logger.warning("fluxloop-otel: the Python OTLP exporters have no http/json; using http/protobuf")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    return HttpExporter(endpoint=http_traces_url(endpoint) if endpoint else None, headers=headers or None)


def guarded_batch_processor(
    exporter: SpanExporter, capture_content: bool = True, masker: SecretMasker | None = None, **options: Any
) -> GuardedBatchSpanProcessor:
    """``exporter`` behind the content filter (when ``capture_content`` is False), secret masking
    of other instrumentations' spans (``masker``, default: on), the guard and a batch processor."""
    if not capture_content:
        exporter = ContentFilteringExporter(exporter)
    masker = masker if masker is not None else SecretMasker()
    if masker.enabled:
        exporter = MaskingExporter(exporter, masker)
    return GuardedBatchSpanProcessor(GuardedExporter(exporter), **options)


HTTP_METRICS_PATH = "/v1/metrics"


def http_metrics_url(endpoint: str) -> str:
    """The metrics URL beside a traces endpoint (``.../v1/traces`` -> ``.../v1/metrics``, none -> ``/v1/metrics``)."""
    parts = urlsplit(endpoint)
    if parts.path in ("", "/"):
        return endpoint.rstrip("/") + HTTP_METRICS_PATH
    if parts.path.endswith(HTTP_TRACES_PATH):
        return endpoint[: endpoint.rindex(HTTP_TRACES_PATH)] + HTTP_METRICS_PATH
    return endpoint


def build_otlp_meter_provider(
    protocol: str, endpoint: str | None, headers: Mapping[str, str] | None, resource: Any = None
) -> Any:
    """An SDK MeterProvider exporting to the OTLP ``endpoint`` (the traces endpoint; for the GenAI metrics).

    ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` wins when set (the exporter reads it); otherwise the
    metrics go where the traces go. Temporality, interval and headers follow the ``OTEL_*`` variables.
    """
    import os

    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    if os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        endpoint = None
    headers = headers or None
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        exporter: Any = GrpcMetricExporter(endpoint=endpoint, headers=dict(headers) if headers else None)
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
            OTLPMetricExporter as HttpMetricExporter,
        )

        exporter = HttpMetricExporter(endpoint=http_metrics_url(endpoint) if endpoint else None, headers=headers)
    from fluxloop_otel.export.metrics_guard import GuardedMetricExporter

    reader = PeriodicExportingMetricReader(GuardedMetricExporter(exporter))
    # shutdown_on_exit=False: interpreter exit must not wait on a hanging backend (configure() flushes it, bounded)
    if resource is not None:
        return MeterProvider(metric_readers=[reader], resource=resource, shutdown_on_exit=False)
    return MeterProvider(metric_readers=[reader], shutdown_on_exit=False)


def build_otlp_processor(
    protocol: str,
    endpoint: str | None,
    headers: Mapping[str, str] | None,
    capture_content: bool,
    masker: SecretMasker | None = None,
) -> GuardedBatchSpanProcessor:
    """The OTLP span processor (``endpoint``/``headers`` only when ``configure()`` gave them;
    content stripped unless ``capture_content``; other instrumentations' secrets masked by ``masker``)."""
    exporter = build_otlp_exporter(protocol, endpoint, headers)
    return guarded_batch_processor(exporter, capture_content, masker)
