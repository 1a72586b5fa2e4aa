"""The state the decorators and the context API read: one object, swapped whole by ``configure()``.

Decorator wrappers read ``runtime.current`` once per call. Until something configures
fluxloop-otel, the first traced call configures it from the environment, as the FluxLoop
SDK does: the configuration layer registers that step with :func:`set_autoconfigure`
(this layer never imports it).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from opentelemetry import trace as trace_api

from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry import TRACER_NAME, Telemetry
from fluxloop_otel.version import __version__


class Runtime:
    """The active settings and the :class:`Telemetry` every decorated call emits through."""

    __slots__ = ("enabled", "settings", "telemetry")

    def __init__(self, settings: Any, telemetry: Telemetry | None) -> None:
        #: The configuration in force (``fluxloop_otel.Settings``).
        self.settings = settings
        self.enabled = bool(getattr(settings, "enabled", True)) and telemetry is not None
        self.telemetry = telemetry if telemetry is not None else Telemetry(trace_api.NoOpTracer(), Serializer(), False)

    @property
    def serializer(self) -> Serializer:
        return self.telemetry.serializer


#: The active runtime; ``None`` until configured (the first traced call configures).
current: Runtime | None = None
_lock = threading.RLock()
_autoconfigure: Callable[[], Any] | None = None


def install(new: Runtime) -> None:
    """Make ``new`` the runtime every traced call uses from now on."""
    global current
    current = new


def set_autoconfigure(configure: Callable[[], Any]) -> None:
    """Register what the first traced call runs when nothing configured fluxloop-otel yet."""
    global _autoconfigure
    _autoconfigure = configure


def get() -> Runtime:
    """The active runtime, configuring on first use (from the environment, see :func:`set_autoconfigure`)."""
    active = current
    if active is not None:
        return active
    with _lock:
        if current is None:
            if _autoconfigure is not None:
                _autoconfigure()
            if current is None:  # nothing registered: spans go to the global provider as they are
                tracer = trace_api.get_tracer(TRACER_NAME, __version__)
                install(Runtime(None, Telemetry(tracer)))
        assert current is not None
        return current
