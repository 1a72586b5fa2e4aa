"""OTLP export through the official exporters, configured like any OTel SDK."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

if TYPE_CHECKING:
    from fluxloop_otel.config.options import Settings

logger = logging.getLogger("fluxloop_otel.export")


def build_otlp_exporter(settings: "Settings", endpoint: str | None) -> SpanExporter:
    """An OTLP span exporter for ``settings.otlp_protocol``.

    ``endpoint`` is passed only when it came from ``configure()``; otherwise the exporter
    reads ``OTEL_EXPORTER_OTLP_*`` itself (endpoint, headers, timeout, compression, TLS).
    """
    headers = settings.otlp_headers or None
    if settings.otlp_protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter(endpoint=endpoint, headers=headers)
    if settings.otlp_protocol == "http/json":
        logger.warning("fluxloop-otel: OTLP http/json is not supported by the Python exporters; using http/protobuf")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    return HttpExporter(endpoint=endpoint, headers=headers)


def build_otlp_processor(settings: "Settings", endpoint: str | None) -> SpanProcessor:
    """A BatchSpanProcessor (configured by ``OTEL_BSP_*``) around the OTLP exporter."""
    exporter = build_otlp_exporter(settings, endpoint)
    if not settings.otlp_capture_content:
        from fluxloop_otel.export.content_filter import ContentFilteringExporter

        exporter = ContentFilteringExporter(exporter)
    return BatchSpanProcessor(exporter)
