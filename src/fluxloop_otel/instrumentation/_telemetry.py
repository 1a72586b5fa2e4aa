"""What every fluxloop-otel instrumentor builds from its ``instrument(**kwargs)``: a :class:`Telemetry`.

Options (all optional, as contrib instrumentors take them):

* ``tracer_provider``: where spans go (default: the global provider, resolved lazily);
* ``capture_content``: record prompts, replies, arguments, results, documents (default: the
  ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` / ``FLUXLOOP_CAPTURE_CONTENT``
  setting, as ``configure()`` reads it);
* ``serializer``: a ready :class:`~fluxloop_otel.serialization.Serializer`, or its parts
  ``max_content_chars``, ``mask_secrets``, ``secret_keys``, ``redact`` (defaults as ``configure()``'s).

An instrumentor never configures fluxloop-otel, installs a provider or writes files.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import trace as trace_api

from fluxloop_otel.config.options import option_default, setting_from_environment
from fluxloop_otel.semconv.attributes import SCHEMA_URL
from fluxloop_otel.serialization import SecretMasker, Serializer
from fluxloop_otel.telemetry import Telemetry
from fluxloop_otel.version import __version__

#: ``instrument()`` options every fluxloop-otel instrumentor understands.
TELEMETRY_OPTIONS = (
    "tracer_provider",
    "capture_content",
    "serializer",
    "max_content_chars",
    "mask_secrets",
    "secret_keys",
    "redact",
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


def telemetry_from(options: Mapping[str, Any], scope: str) -> Telemetry:
    """The :class:`Telemetry` of one instrumentor (instrumentation scope ``scope``)."""
    tracer = trace_api.get_tracer(scope, __version__, options.get("tracer_provider"), schema_url=SCHEMA_URL)
    capture = options.get("capture_content")
    if capture is None:
        capture = setting_from_environment("capture_content")
    return Telemetry(tracer, serializer_from(options), bool(capture))
