"""The experiment directory, in the layout ``fluxloop run experiment`` writes (FORMAT.md §5).

``exp_YYYYMMDD_HHMMSS/`` (local time) holds ``summary.json``, ``trace_summary.jsonl`` and
``traces.jsonl`` (successful runs, in run order), ``observations.jsonl`` (their observations)
and ``errors.json`` (only when a run failed). Field types are the ones ``fluxloop parse`` and
``fluxloop evaluate`` need: int ``iteration``, float ``duration_ms``, string ``output``,
``conversation`` always a list, and ``persona`` either null on every line or a string on every
line (``evaluate`` sorts the persona names and fails on a mix).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from fluxloop_otel.runner.results import ExperimentResult, RunResult
from fluxloop_otel.version import __version__

UNKNOWN_PERSONA = "unknown"


def create_directory(base: Path, now: datetime | None = None) -> Path:
    """A new ``exp_<local time>`` directory under ``base`` (``_2``, ``_3``... if the name is taken)."""
    stamp = (now or datetime.now()).strftime("exp_%Y%m%d_%H%M%S")
    base.mkdir(parents=True, exist_ok=True)
    candidate = base / stamp
    suffix = 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            suffix += 1
            candidate = base / f"{stamp}_{suffix}"


def write_experiment(directory: Path, result: ExperimentResult, config: dict[str, Any]) -> None:
    """Write every file of the experiment directory."""
    personas = _persona_names(result.runs)
    successful = result.successful
    _write_json(directory / "summary.json", _summary(result, config))
    _write_lines(directory / "trace_summary.jsonl", (_summary_line(run, personas) for run in successful))
    _write_lines(directory / "traces.jsonl", (_trace_line(run, personas) for run in successful))
    _write_lines(directory / "observations.jsonl", _observations(successful))
    if result.failed:
        _write_json(directory / "errors.json", [_error(run, personas) for run in result.failed])


def _persona_names(runs: list[RunResult]) -> dict[int, str | None]:
    """Persona per run; when some runs have one and others not, the others get ``"unknown"``."""
    mixed = any(run.persona for run in runs) and not all(run.persona for run in runs)
    return {id(run): (run.persona or (UNKNOWN_PERSONA if mixed else None)) for run in runs}


def _conversation(run: RunResult, persona: str | None) -> list[dict[str, Any]]:
    user_metadata = {"persona": persona} if persona else {}
    assistant_metadata = {"actions": run.actions} if run.actions else {}
    return [
        {"turn_index": 1, "role": "user", "content": run.input, "source": "input", "metadata": user_metadata},
        {
            "turn_index": 1,
            "role": "assistant",
            "content": run.output,
            "source": "agent",
            "metadata": assistant_metadata,
        },
    ]


def _conversation_state(run: RunResult) -> dict[str, Any]:
    return {"turns": [{"role": "user", "content": run.input}, {"role": "assistant", "content": run.output}]}


def _head(run: RunResult, persona: str | None) -> dict[str, Any]:
    return {
        "trace_id": run.trace_id,
        "iteration": int(run.iteration),
        "persona": persona,
        "input": run.input,
        "output": run.output,
        "duration_ms": float(run.duration_ms),
        "success": True,
    }


def _summary_line(run: RunResult, personas: dict[int, str | None]) -> dict[str, Any]:
    persona = personas[id(run)]
    line = _head(run, persona)
    if run.token_usage:
        line["token_usage"] = dict(run.token_usage)
    line["conversation"] = _conversation(run, persona)
    line["conversation_state"] = _conversation_state(run)
    return line


def _trace_line(run: RunResult, personas: dict[int, str | None]) -> dict[str, Any]:
    persona = personas[id(run)]
    line = _head(run, persona)
    if run.observations:
        line["observation_count"] = len(run.observations)
    if run.token_usage:
        line["token_usage"] = dict(run.token_usage)
    line["conversation"] = _conversation(run, persona)
    line["conversation_state"] = _conversation_state(run)
    if run.output_truncated:
        line["output_truncated"] = True
    if run.input_truncated:
        line["input_truncated"] = True
    return line


def _observations(runs: list[RunResult]) -> Any:
    seen: set[tuple[Any, Any]] = set()
    for run in runs:
        for record in run.observations:
            key = (record.get("id"), record.get("start_time"))
            if key not in seen:
                seen.add(key)
                yield record


def _error(run: RunResult, personas: dict[int, str | None]) -> dict[str, Any]:
    return {
        "iteration": int(run.iteration),
        "persona": personas[id(run)],
        "input": run.input,
        "error": run.error or "",
        "error_type": run.error_type,
        "trace_id": run.trace_id,
    }


def _summary(result: ExperimentResult, config: dict[str, Any]) -> dict[str, Any]:
    p50, p95 = result.latency_percentile(50), result.latency_percentile(95)
    return {
        "name": result.name,
        "date": datetime.now().isoformat(),
        "config": config,
        "results": {
            "total_runs": len(result.runs),
            "successful": len(result.successful),
            "failed": len(result.failed),
            "success_rate": result.success_rate,
            "avg_duration_ms": result.avg_duration_ms,
            "duration_seconds": result.duration_seconds,
            "p50_duration_ms": p50,
            "p95_duration_ms": p95,
            "token_usage": result.token_totals,
        },
        # `fluxloop status experiments` (0.3.0) reads these three at the top level.
        "total_runs": len(result.runs),
        "success_rate": result.success_rate,
        "avg_duration_ms": result.avg_duration_ms,
        "generator": f"fluxloop-otel {__version__}",
    }


def _file_mode() -> int:
    """Permissions of created files: ``file_mode`` / ``FLUXLOOP_FILE_MODE`` (0600 by default)."""
    try:
        import fluxloop_otel

        return int(fluxloop_otel.current_settings().file_mode)
    except Exception:
        return 0o600


def _create(path: Path) -> Any:
    """``path`` opened for writing text, created with :func:`_file_mode` (as the JSONL writer does)."""
    mode = _file_mode()
    return open(path, "w", encoding="utf-8", opener=lambda name, flags: os.open(name, flags, mode))


def _write_json(path: Path, data: Any) -> None:
    with _create(path) as handle:
        handle.write(json.dumps(data, indent=2, default=str))


def _write_lines(path: Path, records: Any) -> None:
    with _create(path) as handle:
        for record in records:
            handle.write(json.dumps(record, default=str) + "\n")
