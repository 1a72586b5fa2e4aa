"""Auto-instrumentation of agent frameworks, one sub-package per framework.

Each sub-package holds an OpenTelemetry ``BaseInstrumentor`` registered under the
``opentelemetry_instrumentor`` entry point, so ``opentelemetry-instrument`` finds it;
``fluxloop_otel.configure()`` switches the ones whose library is importable on.
"""
