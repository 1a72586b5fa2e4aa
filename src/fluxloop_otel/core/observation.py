"""``ObservationData``: the FluxLoop SDK's observation model, for the manual push/pop pattern."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from fluxloop_otel.semconv.observation_types import ObservationType


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ObservationData:
    """One observation, as in ``fluxloop.models.ObservationData`` (same field names).

    ``push_observation`` starts a span from it; ``pop_observation`` ends the span with the
    fields set in between (``output``, ``error``, token counts, ``end_time``...). After the
    push, ``id``, ``trace_id`` and ``parent_observation_id`` hold the FluxLoop ids of the span.
    """

    type: ObservationType | str
    name: str
    id: Any = field(default_factory=uuid.uuid4)
    start_time: datetime = field(default_factory=_now)
    end_time: datetime | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    level: str = "info"
    status_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    llm_parameters: dict[str, Any] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    parent_observation_id: Any = None
    trace_id: Any = None
