"""What every fluxloop-otel instrumentor builds from its ``instrument(**kwargs)``: a :class:`Telemetry`.

Options (all optional, as contrib instrumentors take them):

* ``tracer_provider``: where spans go (default: the global provider, resolved lazily);
* ``capture_content``: record prompts, replies, arguments, results, documents (default: the
  ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` / ``FLUXLOOP_CAPTURE_CONTENT``
  setting, as ``configure()`` reads it);
* ``content_policy``: a :class:`~fluxloop_otel.telemetry.policy.ContentPolicy` (where content
  goes: spans, OTLP, log events); default: the ``capture_content`` switch, else the content mode
  of the environment, as ``configure()`` reads it;
* ``logger_provider``: where GenAI log events go when the policy says ``events`` (default: the
  global logger provider, as contrib instrumentations do); ``event_content=False`` keeps the
  content out of them (structure only);
* ``serializer``: a ready :class:`~fluxloop_otel.serialization.Serializer`, or its parts
  ``max_content_chars``, ``mask_secrets``, ``secret_keys``, ``redact`` (defaults as ``configure()``'s);
* ``meter_provider``: where the GenAI client metrics go (default: the global MeterProvider;
  none are recorded while only the API's no-op provider is installed);
* ``price_table``: model prices for ``llm.cost.*`` (see :mod:`fluxloop_otel.telemetry.pricing`;
  default: ``FLUXLOOP_PRICE_TABLE``, else no cost);
* ``blob_upload``: ``upload(data, mime_type) -> URI`` for images/audio/files in messages longer
  than the content cap (default: none, they are elided; see :mod:`fluxloop_otel.telemetry.media`).

An instrumentor never configures fluxloop-otel, installs a provider or writes files.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import _logs as logs_api
from opentelemetry import trace as trace_api

from fluxloop_otel.config.options import option_default, resolve_settings, setting_from_environment, warn_once
from fluxloop_otel.semconv.attributes import SCHEMA_URL
from fluxloop_otel.serialization import SecretMasker, Serializer
from fluxloop_otel.telemetry import Telemetry
from fluxloop_otel.telemetry.media import MediaPolicy
from fluxloop_otel.telemetry.metrics import metrics_for
from fluxloop_otel.telemetry.policy import NOTHING, ContentMode, ContentPolicy, parse_mode
from fluxloop_otel.telemetry.pricing import pricing_from
from fluxloop_otel.version import __version__

#: ``instrument()`` options every fluxloop-otel instrumentor understands.
TELEMETRY_OPTIONS = (
    "tracer_provider",
    "logger_provider",
    "capture_content",
    "content_policy",
    "event_content",
    "serializer",
    "max_content_chars",
    "mask_secrets",
    "secret_keys",
    "redact",
    "meter_provider",
    "price_table",
    "blob_upload",
)


def serializer_from(options: Mapping[str, Any]) -> Serializer:
    """The serializer given, or one built from the content options (``configure()``'s defaults)."""
    given = options.get("serializer")
    if given is not None:
        if not isinstance(given, Serializer):
            raise TypeError(f"serializer must be a fluxloop_otel.serialization.Serializer, got {type(given).__name__}")
        return given
    max_chars = options.get("max_content_chars", option_default("max_content_chars"))
    mask = options.get("mask_secrets", option_default("mask_secrets"))
    keys = options.get("secret_keys", option_default("secret_keys"))
    return Serializer(max_chars=max_chars, masker=SecretMasker(keys, enabled=bool(mask)), redact=options.get("redact"))


def content_policy_from(options: Mapping[str, Any]) -> ContentPolicy:
    """The content policy of ``instrument()`` options: ``content_policy``, else ``capture_content``
    (a bool or a GenAI mode name), else the environment's. A privacy switch with a value not
    understood fails closed (nothing captured) with one warning; it never raises."""
    policy = options.get("content_policy")
    if policy is not None:
        if isinstance(policy, ContentPolicy):
            return policy
        warn_once("instrument(content_policy)", policy, "not a ContentPolicy", "no content (fails closed)")
        return NOTHING
    capture = options.get("capture_content")
    if capture is None:
        try:
            return resolve_settings({}).content_policy  # the environment's content mode
        except Exception:  # a privacy switch that cannot be read fails closed
            return NOTHING
    if isinstance(capture, bool):
        return ContentPolicy() if capture else NOTHING
    if isinstance(capture, (str, ContentMode)):
        try:
            return ContentPolicy.for_mode(parse_mode(capture.value if isinstance(capture, ContentMode) else capture))
        except ValueError as exc:
            warn_once("instrument(capture_content)", capture, str(exc), "no content (fails closed)")
            return NOTHING
    warn_once("instrument(capture_content)", capture, "expected True/False or a mode name", "no content (fails closed)")
    return NOTHING


def telemetry_from(options: Mapping[str, Any], scope: str) -> Telemetry:
    """The :class:`Telemetry` of one instrumentor (instrumentation scope ``scope``)."""
    tracer = trace_api.get_tracer(scope, __version__, options.get("tracer_provider"), schema_url=SCHEMA_URL)
    policy = content_policy_from(options)
    event_logger = None
    if policy.events:
        event_logger = logs_api.get_logger(scope, __version__, options.get("logger_provider"), schema_url=SCHEMA_URL)
    event_content = options.get("event_content", True) is not False
    price_table = options["price_table"] if "price_table" in options else setting_from_environment("price_table")
    serializer = serializer_from(options)
    upload = options.get("blob_upload") or None
    return Telemetry(
        tracer,
        serializer,
        policy=policy,
        event_logger=event_logger,
        event_content=event_content,
        metrics=metrics_for(options.get("meter_provider")),
        pricing=pricing_from(price_table),
        media=MediaPolicy(serializer.max_chars, upload),
    )
