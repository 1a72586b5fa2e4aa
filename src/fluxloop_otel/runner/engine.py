"""Running an experiment: every input × iteration, each run its own trace.

Per run: a fluxloop-otel ``instrument()`` block named ``<name>_iter<N>[_persona_<p>]`` (its
trace id is the run's FluxLoop trace id), the call (with the guards), then a flush and the read
back of that trace's observations from the JSONL files. Failures (exceptions, timeouts) become
failed runs; they never stop the experiment.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import fluxloop_otel
from fluxloop_otel.runner.config import RunnerConfig
from fluxloop_otel.runner.errors import ConfigError
from fluxloop_otel.runner.guards import Guards
from fluxloop_otel.runner.inputs import InputEntry
from fluxloop_otel.runner.invoke import CallPlan, RunContext, call
from fluxloop_otel.runner.observations import ObservationReader, actions, final_response, token_usage
from fluxloop_otel.runner.results import ExperimentResult, RunResult

ProgressCallback = Callable[[RunResult], None]


@dataclass(frozen=True)
class RunSpec:
    """One planned run."""

    index: int
    iteration: int
    entry: InputEntry


def plan_runs(entries: list[InputEntry], iterations: int) -> list[RunSpec]:
    """``iterations`` passes over the inputs, in the FluxLoop CLI's order."""
    return [
        RunSpec(i * len(entries) + j, i, entry) for i in range(iterations) for j, entry in enumerate(entries)
    ]


class Experiment:
    """Runs :class:`RunSpec` s against one target and collects :class:`RunResult` s."""

    def __init__(self, config: RunnerConfig, plan: CallPlan, reader: ObservationReader) -> None:
        self.config = config
        self.plan = plan
        self.reader = reader
        self.guards: Guards = config.guards

    async def run(self, runs: list[RunSpec], on_progress: ProgressCallback | None = None) -> ExperimentResult:
        started = time.perf_counter()
        self.reader.snapshot()
        results = []
        for spec in runs:
            result = await self.run_one(spec)
            results.append(result)
            if on_progress is not None:
                on_progress(result)
        return ExperimentResult(self.config.name, results, time.perf_counter() - started)

    async def run_one(self, spec: RunSpec) -> RunResult:
        entry = spec.entry
        persona = entry.persona
        persona_config = self.config.personas.get(persona, {}) if persona else {}
        trace_name = f"{self.config.name}_iter{spec.iteration}" + (f"_persona_{persona}" if persona else "")
        variation = {
            "input": self.guards.limit_input(entry.input)[0],
            "metadata": entry.metadata,
            "source": entry.source,
            "source_index": entry.source_index,
        }
        metadata: dict[str, Any] = {"iteration": spec.iteration, "variation": variation}
        if persona:
            metadata["persona"] = persona
        trace_id = ""
        value: Any = None
        error: BaseException | None = None
        started = time.perf_counter()
        try:
            with fluxloop_otel.instrument(trace_name, metadata=metadata) as trace:
                trace_id = trace.trace_id or str(uuid.uuid4())
                trace.add_metadata("trace_id", trace_id)
                context = RunContext(
                    iteration=spec.iteration,
                    run_index=spec.index,
                    input=entry.input,
                    trace_id=trace_id,
                    experiment=self.config.name,
                    persona=persona,
                    persona_description=persona_config.get("description"),
                    persona_config=persona_config,
                    metadata=entry.metadata,
                )
                value = await call(self.plan, context, self.guards.max_duration)
        except (Exception, SystemExit) as exc:  # the target's failure is the run's result
            error = exc
        duration_ms = (time.perf_counter() - started) * 1000.0
        trace_id = trace_id or str(uuid.uuid4())
        observations = self._observations(trace_id)
        stored_input, input_truncated = self.guards.limit_input(entry.input)
        result = RunResult(
            trace_id=trace_id,
            iteration=spec.iteration,
            persona=persona,
            input=stored_input,
            input_truncated=input_truncated,
            duration_ms=duration_ms,
            success=error is None,
            observations=observations,
            actions=actions(observations),
        )
        if error is not None:
            result.error = str(error) or type(error).__name__
            result.error_type = type(error).__name__
            return result
        override = final_response(observations)
        text = to_text(override if override is not None else value)
        result.output, result.output_truncated = self.guards.limit_output(text)
        result.token_usage = token_usage(observations)
        return result

    def _observations(self, trace_id: str) -> list[dict[str, Any]]:
        fluxloop_otel.force_flush(10.0)
        self.reader.collect()
        return self.reader.take(trace_id)


def to_text(value: Any) -> str:
    """Output as text, as the FluxLoop CLI stores it (JSON for non-strings)."""
    import json

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def observations_directory() -> Path:
    """Where fluxloop-otel writes observations right now (from the settings in force)."""
    settings = fluxloop_otel.current_settings()
    if not settings.enabled or not settings.offline_store_enabled:
        raise ConfigError(
            "fluxloop-otel is not writing FluxLoop JSONL files (FLUXLOOP_ENABLED / FLUXLOOP_OFFLINE_ENABLED is false), "
            "so no observations can be collected"
        )
    return Path(os.path.abspath(settings.offline_store_dir))


def run_experiment(
    experiment: Experiment, runs: list[RunSpec], on_progress: ProgressCallback | None = None
) -> ExperimentResult:
    """Run synchronously (one event loop for the whole experiment)."""
    return asyncio.run(experiment.run(runs, on_progress))
