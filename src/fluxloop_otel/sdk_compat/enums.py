"""The FluxLoop SDK's trace enums (``fluxloop.schemas.trace``), importable without pydantic."""

from __future__ import annotations

from enum import Enum

from fluxloop_otel.semconv.observation_types import ObservationType


class TraceStatus(str, Enum):
    """Status of a trace execution."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ObservationLevel(str, Enum):
    """Log level for observations (the ``level`` of an observation line)."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class ScoreDataType(str, Enum):
    """Data type of score values."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"


__all__ = ["ObservationLevel", "ObservationType", "ScoreDataType", "TraceStatus"]
