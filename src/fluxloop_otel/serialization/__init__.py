"""Turning arbitrary Python values into capped, redacted, always-valid JSON."""

from fluxloop_otel.serialization.redaction import MASK, SecretMasker
from fluxloop_otel.serialization.serializer import Serializer, TRUNCATION_MARKER

__all__ = ["MASK", "SecretMasker", "Serializer", "TRUNCATION_MARKER"]
