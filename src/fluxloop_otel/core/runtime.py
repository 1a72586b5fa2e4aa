"""The state the hot path reads: one object, swapped whole by ``configure()``.

Decorator wrappers read ``runtime.current`` once per call. Until something configures
fluxloop-otel, the first traced call configures it from the environment, as the FluxLoop
SDK does.
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

from opentelemetry import trace as trace_api
from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

from fluxloop_otel.serialization import Serializer

if TYPE_CHECKING:
    from fluxloop_otel.config.options import Settings


class ForcedIdGenerator(IdGenerator):
    """Delegates to the provider's generator unless the current thread forced the next ids.

    Used only for trace roots that must carry a given trace id (``instrument(trace_id=...)``,
    a FluxLoop CLI run) and the derived root span id (see ``export.fluxloop.ids``).
    """

    def __init__(self, inner: IdGenerator | None) -> None:
        self._inner = inner or RandomIdGenerator()
        self._forced = threading.local()

    def force(self, trace_id: int, span_id: int) -> None:
        self._forced.ids = (trace_id, span_id)

    def clear(self) -> None:
        self._forced.ids = None

    def generate_trace_id(self) -> int:
        ids = getattr(self._forced, "ids", None)
        return ids[0] if ids else self._inner.generate_trace_id()

    def generate_span_id(self) -> int:
        ids = getattr(self._forced, "ids", None)
        if ids:
            self._forced.ids = None
            return ids[1]
        return self._inner.generate_span_id()

    def is_trace_id_random(self) -> bool:
        return False if getattr(self._forced, "ids", None) else self._inner.is_trace_id_random()


class Runtime:
    """Everything a traced call needs, resolved once per ``configure()``."""

    __slots__ = ("enabled", "settings", "tracer", "serializer", "capture_content", "_root_tracer", "_root_ids")

    def __init__(self, settings: "Settings", tracer: trace_api.Tracer | None, serializer: Serializer) -> None:
        self.settings = settings
        self.enabled = bool(settings.enabled) and tracer is not None
        self.tracer = tracer if tracer is not None else trace_api.NoOpTracer()
        self.serializer = serializer
        self.capture_content = bool(settings.capture_content)
        self._root_ids: ForcedIdGenerator | None = None
        self._root_tracer: Any = None
        inner = getattr(self.tracer, "id_generator", None)
        if inner is not None:  # SDK tracer: a copy that can be told the next root's ids
            self._root_ids = ForcedIdGenerator(inner)
            self._root_tracer = copy.copy(self.tracer)
            self._root_tracer.id_generator = self._root_ids

    def start_root_span(
        self, name: str, trace_id: int, span_id: int, attributes: dict[str, Any] | None = None
    ) -> trace_api.Span:
        """Start a trace root with the given ids (a plain root where the tracer cannot)."""
        if self._root_ids is None:
            return self.tracer.start_span(name, context=Context(), attributes=attributes)
        self._root_ids.force(trace_id, span_id)
        try:
            return self._root_tracer.start_span(name, context=Context(), attributes=attributes)
        finally:
            self._root_ids.clear()


#: The active runtime; ``None`` until configured (the first traced call configures).
current: Runtime | None = None
_lock = threading.RLock()


def install(new: Runtime) -> None:
    """Make ``new`` the runtime every traced call uses from now on."""
    global current
    current = new


def get() -> Runtime:
    """The active runtime, configuring from the environment on first use."""
    active = current
    if active is not None:
        return active
    with _lock:
        if current is None:
            from fluxloop_otel.config.setup import configure

            configure()
        assert current is not None
        return current
