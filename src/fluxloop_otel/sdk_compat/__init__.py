"""The rest of the FluxLoop SDK's public API (fluxloop 0.1.8 ``__all__``), so porting is one import line.

* ``get_config()`` / ``reset_config()``: the settings in force / the settings rebuilt from the
  environment alone (as the SDK's: earlier ``configure()`` arguments are dropped), readable
  under the SDK's ``SDKConfig`` field names (:class:`SDKConfigView`).
* ``FluxLoopContext``: the class of what ``instrument()`` yields and ``get_current_context()``
  returns (``isinstance`` works on fluxloop-otel's contexts). Constructed directly with the SDK's
  arguments it is a context bound to no span: use ``instrument()`` to trace.
* ``FluxLoopClient``: the SDK's collector client with the collector off (fluxloop-otel sends
  spans over OTLP): ``send_trace``/``send_observation`` answer ``{"status": "collector_disabled"}``.
* ``Trace``, ``Observation``, ``Score``, ``ExperimentConfig``, ``PersonaConfig``, ``RunnerConfig``,
  ``VariationStrategy``: the SDK's pydantic models (loaded on first use; they need pydantic v2).
* ``ObservationLevel``, ``ScoreDataType``, ``TraceStatus``: the SDK's enums.
"""

from __future__ import annotations

import random
import uuid
from types import TracebackType
from typing import Any, Dict, List, Optional, Type, Union
from uuid import UUID

from fluxloop_otel.sdk_compat.enums import ObservationLevel, ScoreDataType, TraceStatus

#: Names served lazily from the vendored SDK schemas (they import pydantic).
LAZY_MODELS: dict[str, str] = {
    "Trace": "schemas_trace",
    "Observation": "schemas_trace",
    "Score": "schemas_trace",
    "ExperimentConfig": "schemas_config",
    "PersonaConfig": "schemas_config",
    "RunnerConfig": "schemas_config",
    "VariationStrategy": "schemas_config",
}


def load_model(name: str) -> Any:
    """One of :data:`LAZY_MODELS`.

    Without pydantic the name still exists (so ``from fluxloop_otel import *`` works), as a class
    whose construction raises ImportError naming what to install.
    """
    import importlib

    try:
        module = importlib.import_module(f"fluxloop_otel.sdk_compat.{LAZY_MODELS[name]}")
    except ImportError as exc:
        if "pydantic" not in str(exc):
            raise
        return _needs_pydantic(name)
    return getattr(module, name)


def _needs_pydantic(name: str) -> type:
    message = f"fluxloop_otel.{name} is the FluxLoop SDK's pydantic model: pip install 'pydantic>=2'"

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(message)

    return type(name, (), {"__new__": __new__, "__doc__": message, "__module__": __name__})


#: ``SDKConfig`` fields with no meaning here (no collector), with the values they read as.
_SDK_ONLY_DEFAULTS: dict[str, Any] = {"collector_url": None, "use_collector": False, "timeout": 10.0}


class SDKConfigView:
    """What ``get_config()`` returns: fluxloop-otel's settings under the SDK's ``SDKConfig`` names.

    Every setting reads as an attribute (``offline_store_dir``, ``sample_rate``, ``debug``...);
    the SDK's collector fields read as a disabled collector (``use_collector`` False,
    ``collector_url`` None, ``api_key`` from ``FLUXLOOP_API_KEY``). ``model_dump()`` gives them all.
    ``settings`` is the :class:`fluxloop_otel.Settings` underneath.
    """

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["settings"].values
        if name in values:
            return values[name]
        if name == "api_key":
            import os

            return os.environ.get("FLUXLOOP_API_KEY")
        if name in _SDK_ONLY_DEFAULTS:
            return _SDK_ONLY_DEFAULTS[name]
        raise AttributeError(name)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """The settings and the SDK-only fields as a dict (``SDKConfig.model_dump()``)."""
        data = {**_SDK_ONLY_DEFAULTS, "api_key": self.api_key}
        data.update({k: v for k, v in self.settings.values.items() if k not in ("redact", "tracer_provider")})
        return data

    def __eq__(self, other: object) -> bool:
        other_settings = other.settings if isinstance(other, SDKConfigView) else other
        return bool(self.settings == other_settings)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SDKConfigView({self.settings!r})"


def get_config() -> SDKConfigView:
    """The settings in force (``fluxloop.get_config()``), under the SDK's names."""
    from fluxloop_otel.config.setup import current_settings

    return SDKConfigView(current_settings())


def reset_config() -> SDKConfigView:
    """Forget earlier ``configure()`` arguments: settings from the environment and defaults only."""
    from fluxloop_otel.config.setup import configure

    return SDKConfigView(configure())


class _ContextType(type):
    """``isinstance(ctx, FluxLoopContext)`` holds for every fluxloop-otel trace context."""

    def __instancecheck__(cls, instance: Any) -> bool:
        from fluxloop_otel.core.context import TraceContext

        return isinstance(instance, TraceContext) or type.__instancecheck__(cls, instance)


class FluxLoopContext(metaclass=_ContextType):
    """The SDK's ``FluxLoopContext`` (see the module docstring)."""

    def __new__(
        cls,
        trace_name: str,
        trace_id: Optional[UUID] = None,
        session_id: Optional[UUID] = None,
        user_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[List[str]] = None,
        trace_id_override: Optional[Union[UUID, str]] = None,
    ) -> Any:
        from opentelemetry import trace as trace_api

        from fluxloop_otel.core.context import TraceContext

        chosen = trace_id_override or trace_id or uuid.uuid4()
        value = chosen if isinstance(chosen, UUID) else UUID(str(chosen))
        span_context = trace_api.SpanContext(
            trace_id=value.int, span_id=random.getrandbits(64) or 1, is_remote=False
        )
        context = TraceContext(
            trace_api.NonRecordingSpan(span_context),
            metadata=metadata,
            tags=tags,
            user_id=user_id,
            session_id=str(session_id) if session_id is not None else None,
        )
        context.trace_name = trace_name  # type: ignore[attr-defined]
        return context

    def __init__(  # signature of the SDK's constructor (for inspect.signature)
        self,
        trace_name: str,
        trace_id: Optional[UUID] = None,
        session_id: Optional[UUID] = None,
        user_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[List[str]] = None,
        trace_id_override: Optional[Union[UUID, str]] = None,
    ) -> None:  # pragma: no cover - __new__ returns a TraceContext
        pass


class FluxLoopClient:
    """The SDK's collector client, collector off: nothing is sent (spans go over OTLP)."""

    def __init__(self, collector_url: Optional[str] = None, api_key: Optional[str] = None) -> None:
        self.config = get_config()
        self.collector_url = (collector_url or "http://localhost:8000").rstrip("/")
        self.api_key = api_key
        self._client = None

    def send_trace(self, trace: Any) -> Dict[str, Any]:
        return {"status": "disabled"} if not self.config.enabled else {"status": "collector_disabled"}

    def send_observation(self, trace_id: UUID, observation: Any) -> Dict[str, Any]:
        return {"status": "disabled"} if not self.config.enabled else {"status": "collector_disabled"}

    def close(self) -> None:
        """Nothing to close."""

    def __enter__(self) -> "FluxLoopClient":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        self.close()


__all__ = [
    "SDKConfigView",
    "FluxLoopClient",
    "FluxLoopContext",
    "LAZY_MODELS",
    "ObservationLevel",
    "ScoreDataType",
    "TraceStatus",
    "get_config",
    "load_model",
    "reset_config",
]
