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
