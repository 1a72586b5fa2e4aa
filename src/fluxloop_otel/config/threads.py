"""Context across threads: ``opentelemetry-instrumentation-threading`` when it is installed.

The threading instrumentation is an extra (``pip install 'fluxloop-otel[threading]'``), not a
hard dependency: it pins ``opentelemetry-instrumentation`` to its own exact version, so as a
hard dependency it made the plain install unresolvable next to any contrib instrumentation of
another release. Without it, ``configure()`` goes on; the one-line fallback for a pool is
``pool.submit(contextvars.copy_context().run, fn, *args)``.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("fluxloop_otel")


def threading_instrumentation_available() -> bool:
    """True when ``opentelemetry-instrumentation-threading`` can be imported."""
    try:
        import opentelemetry.instrumentation.threading  # noqa: F401
    except ImportError:
        return False
    return True


def instrument_threads() -> bool:
    """Switch the threading instrumentation on if installed; True when it is on."""
    try:
        from opentelemetry.instrumentation.threading import ThreadingInstrumentor
    except ImportError:
        logger.debug(
            "fluxloop-otel: opentelemetry-instrumentation-threading is not installed "
            "(pip install 'fluxloop-otel[threading]'); threads do not carry the trace context"
        )
        return False
    try:
        instrumentor = ThreadingInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
        return True
    except Exception as exc:  # never fail configure() over an optional integration
        logger.warning("fluxloop-otel: threading instrumentation unavailable: %r", exc)
        return False
