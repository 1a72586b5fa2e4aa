"""Versions of the instrumented library (OpenTelemetry instrumentor convention)."""

_instruments = ("agnt5 >= 0.14",)

_supports_metrics = False
