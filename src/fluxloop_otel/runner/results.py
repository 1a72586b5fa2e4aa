"""Outcomes of runs and the statistics the summary shows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass
class RunResult:
    """One call of the target."""

    trace_id: str
    iteration: int
    persona: str | None
    input: str
    duration_ms: float
    success: bool
    output: str = ""
    error: str | None = None
    error_type: str | None = None
    observations: list[dict[str, Any]] = field(default_factory=list)
    token_usage: dict[str, float] | None = None
    actions: list[str] = field(default_factory=list)
    output_truncated: bool = False
    #: ``input`` holds the first ``input_char_limit`` characters only (the target got all of it).
    input_truncated: bool = False


@dataclass
class ExperimentResult:
    """All runs of one experiment."""

    name: str
    runs: list[RunResult]
    duration_seconds: float
    directory: str | None = None

    @property
    def successful(self) -> list[RunResult]:
        return [run for run in self.runs if run.success]

    @property
    def failed(self) -> list[RunResult]:
        return [run for run in self.runs if not run.success]

    @property
    def success_rate(self) -> float:
        return len(self.successful) / len(self.runs) if self.runs else 0.0

    @property
    def avg_duration_ms(self) -> float:
        durations = [run.duration_ms for run in self.successful]
        return sum(durations) / len(durations) if durations else 0.0

    def latency_percentile(self, percent: float) -> float | None:
        """Duration (ms) percentile of the successful runs (linear interpolation), None if none."""
        return percentile([run.duration_ms for run in self.successful], percent)

    @property
    def token_totals(self) -> dict[str, float]:
        totals = dict.fromkeys(USAGE_KEYS, 0.0)
        for run in self.successful:
            for key in USAGE_KEYS:
                totals[key] += (run.token_usage or {}).get(key, 0.0)
        return totals


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The ``percent`` (0-100) percentile with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * min(max(percent, 0.0), 100.0) / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
