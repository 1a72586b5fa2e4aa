"""Versions of the instrumented library (OpenTelemetry instrumentor convention)."""

_instruments = ("langchain-core >= 0.3",)

_supports_metrics = False
