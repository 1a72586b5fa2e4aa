"""FluxLoop records of converted spans -> one run per trace -> an experiment directory.

``fluxloop-otel convert --experiment DIR`` treats every FluxLoop trace as one run and writes
the directory ``fluxloop run experiment`` would have written (through the runner's own
:func:`~fluxloop_otel.runner.experiment.write_experiment`), so ``fluxloop parse experiment``
and ``fluxloop evaluate experiment`` accept it. A run's input, output and token usage follow
the runner's rules: the outermost observation (an agent, if there is one) gives input and
output, an ``agent_final_response`` observation overrides the output, usage is summed as the
FluxLoop CLI sums it.

Memory is one small summary per trace (plus the observations that carry token usage), never
the observations themselves: they are streamed from the converted ``observations.jsonl``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from fluxloop_otel.export.fluxloop.records import record_cost
from fluxloop_otel.runner.engine import to_text
from fluxloop_otel.runner.experiment import write_experiment
from fluxloop_otel.runner.observations import FINAL_RESPONSE_NAME, token_usage
from fluxloop_otel.runner.results import ExperimentResult, RunResult


def _seconds(timestamp: Any) -> float | None:
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_USAGE_FIELDS = _COUNTS + ("token_usage", "usage", "raw")
#: Trace metadata a run reads (set by ``fluxloop run experiment`` and by errors).
_TRACE_METADATA = ("variation", "iteration", "persona", "error")


@dataclass(slots=True)
class _TraceRun:
    """What one trace contributes to its run, gathered record by record (texts, not records)."""

    order: int
    trace_start: str | None = None
    trace_end: str | None = None
    trace_metadata: dict[str, Any] | None = None
    root_rank: int = 0
    root_start: str = ""
    input_text: str = ""
    output_text: str = ""
    error: str | None = None
    final_text: str | None = None
    usage_records: list[dict[str, Any]] = field(default_factory=list)
    first_start: str | None = None
    last_end: str | None = None
    cost: float | None = None


def _root_rank(record: Mapping[str, Any]) -> int:
    """Preference for the run's main observation: a parentless agent, then any parentless one."""
    if "parent_observation_id" in record:
        return 0
    return 2 if record.get("type") == "agent" else 1


def _may_carry_usage(record: Mapping[str, Any]) -> bool:
    """Cheap pre-check for the CLI's usage search: counts on the record, or an object output."""
    return any(key in record for key in _USAGE_FIELDS) or isinstance(record.get("output"), dict)


def _usage_part(record: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a record the CLI's usage search reads: numeric counts on the record win over
    anything in its output, so the output is kept only when there are none."""
    direct = {key: record[key] for key in _COUNTS if isinstance(record.get(key), (int, float))}
    if direct:
        return direct
    return {key: record[key] for key in _USAGE_FIELDS + ("output",) if key in record}


def _input_text(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        (only,) = value.values()
        if isinstance(only, str):
            return only
    return to_text(value)


class RunCollector:
    """Collects FluxLoop trace and observation records into one :class:`RunResult` per trace."""

    def __init__(self) -> None:
        self._runs: dict[str, _TraceRun] = {}

    def _run(self, trace_id: str) -> _TraceRun:
        run = self._runs.get(trace_id)
        if run is None:
            run = self._runs[trace_id] = _TraceRun(order=len(self._runs))
        return run

    def add_trace(self, record: dict[str, Any]) -> None:
        run = self._run(str(record["id"]))
        metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
        run.trace_start, run.trace_end = record.get("start_time"), record.get("end_time")
        run.trace_metadata = {key: metadata[key] for key in _TRACE_METADATA if key in metadata} or None

    def add_observation(self, record: dict[str, Any]) -> None:
        run = self._run(str(record["trace_id"]))
        start, end = record.get("start_time"), record.get("end_time")
        if isinstance(start, str) and (run.first_start is None or start < run.first_start):
            run.first_start = start
        if isinstance(end, str) and (run.last_end is None or end > run.last_end):
            run.last_end = end
        if record.get("name") == FINAL_RESPONSE_NAME and record.get("output") is not None:
            run.final_text = to_text(record["output"])
        rank = _root_rank(record)  # the main observation: highest rank, earliest start on a tie
        if rank and (rank > run.root_rank or (rank == run.root_rank and str(start) < run.root_start)):
            run.root_rank, run.root_start = rank, str(start)
            run.input_text, run.output_text = _input_text(record.get("input")), to_text(record.get("output"))
            run.error = None if record.get("error") is None else str(record["error"])
        if _may_carry_usage(record) and token_usage([record]) is not None:
            run.usage_records.append(_usage_part(record))
        cost = record_cost(record)
        if cost is not None:
            run.cost = (run.cost or 0.0) + cost

    def time_span_seconds(self) -> float:
        """Seconds from the first start to the last end over all traces."""
        starts = [_seconds(run.first_start) for run in self._runs.values()]
        ends = [_seconds(run.last_end) for run in self._runs.values()]
        known_starts = [s for s in starts if s is not None]
        known_ends = [e for e in ends if e is not None]
        return max(0.0, max(known_ends) - min(known_starts)) if known_starts and known_ends else 0.0

    def results(self) -> list[RunResult]:
        """One run per trace, in order of first appearance."""
        runs = sorted(self._runs.items(), key=lambda item: item[1].order)
        return [self._result(trace_id, index, run) for index, (trace_id, run) in enumerate(runs)]

    def _result(self, trace_id: str, index: int, run: _TraceRun) -> RunResult:
        metadata = run.trace_metadata or {}
        variation = metadata.get("variation")
        given_input = variation.get("input") if isinstance(variation, dict) else None
        start = _seconds(run.trace_start or run.first_start)
        end = _seconds(run.trace_end or run.last_end)
        error = run.error if run.error is not None else metadata.get("error")
        iteration = metadata.get("iteration")
        persona = metadata.get("persona")
        return RunResult(
            trace_id=trace_id,
            iteration=iteration if isinstance(iteration, int) and not isinstance(iteration, bool) else index,
            persona=persona if isinstance(persona, str) and persona else None,
            input=given_input if isinstance(given_input, str) else run.input_text,
            duration_ms=max(0.0, (end - start) * 1000) if start is not None and end is not None else 0.0,
            success=error is None,
            output=run.final_text if run.final_text is not None else run.output_text,
            error=None if error is None else str(error),
            token_usage=token_usage(run.usage_records),
            cost=run.cost,
        )


def write_converted_experiment(directory: Path, collector: RunCollector, observations_file: Path, config: dict[str, Any]) -> ExperimentResult:
    """Write the experiment directory of the collected runs; observations are streamed from ``observations_file``."""
    runs = collector.results()
    result = ExperimentResult(name=str(config.get("name", "converted")), runs=runs, duration_seconds=collector.time_span_seconds())
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "errors.json").unlink(missing_ok=True)  # written only when runs failed: no stale one
    write_experiment(directory, result, config)
    successful = {run.trace_id for run in result.successful}
    _copy_observations(observations_file, directory / "observations.jsonl", successful)
    return result


def _copy_observations(source: Path, target: Path, trace_ids: set[str]) -> None:
    """The lines of ``source`` whose ``trace_id`` is in ``trace_ids`` (unchanged, in order)."""
    temporary = target.with_name(target.name + ".tmp")
    with source.open("rb") as reader, temporary.open("wb") as writer:
        for line in _lines(reader):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("trace_id") in trace_ids:
                writer.write(line if line.endswith(b"\n") else line + b"\n")
    os.replace(temporary, target)


def _lines(reader: Any) -> Iterable[bytes]:
    for line in reader:
        if line.strip():
            yield line
