"""Turning arbitrary Python values into capped, redacted, always-valid JSON."""

from fluxloop_otel.serialization.redaction import MASK, SecretMasker
from fluxloop_otel.serialization.serializer import (
    TRUNCATION_MARKER,
    Serializer,
    converter_for,
    register_converter,
    unregister_converter,
)

__all__ = ["MASK", "SecretMasker", "Serializer", "TRUNCATION_MARKER", "converter_for", "register_converter", "unregister_converter"]
