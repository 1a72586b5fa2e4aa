"""Versions of the instrumented library (OpenTelemetry instrumentor convention)."""

_instruments = ("nvidia-nat-core >= 1.9",)

_supports_metrics = False
