"""Reading back the observations a run wrote, and what the FluxLoop CLI derives from them.

The runner reads the JSONL files fluxloop-otel's processor writes (as ``fluxloop run
experiment`` reads the SDK's), so the experiment shows exactly what is on disk. Token usage and
the action list follow ``fluxloop_cli`` 0.3.0 (``token_usage.py``, ``runner.py``) rule for rule,
so both runners report the same numbers for the same observations.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable

_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
FINAL_RESPONSE_NAME = "agent_final_response"


class ObservationReader:
    """Hands out the observation records of one trace from files other code appends to.

    :meth:`snapshot` remembers where the files end; :meth:`collect` reads the complete lines
    added since and files them by ``trace_id``; :meth:`take` returns (and forgets) one trace's.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._offsets: dict[Path, int] = {}
        self._pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.malformed_lines = 0

    def files(self) -> list[Path]:
        exact = self.directory / "observations.jsonl"
        daily = sorted(self.directory.glob("observations_[0-9]*.jsonl"))
        return daily + ([exact] if exact.exists() else [])

    def snapshot(self) -> None:
        for path in self.files():
            self._offsets[path] = _size(path)

    def collect(self) -> None:
        for path in self.files():
            offset = self._offsets.get(path, 0)
            if _size(path) < offset:  # truncated or replaced: start over
                offset = 0
            try:
                with path.open("rb") as handle:
                    handle.seek(offset)
                    data = handle.read()
            except OSError:
                continue
            complete = data.rfind(b"\n") + 1
            self._offsets[path] = offset + complete
            for raw in data[:complete].splitlines():
                self._add(raw)

    def take(self, trace_id: str) -> list[dict[str, Any]]:
        return self._pending.pop(trace_id, [])

    def _add(self, raw: bytes) -> None:
        if not raw.strip():
            return
        try:
            record = json.loads(raw)
        except ValueError:
            self.malformed_lines += 1
            return
        trace_id = record.get("trace_id") if isinstance(record, dict) else None
        if isinstance(trace_id, str):
            self._pending[trace_id].append(record)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- what the CLI derives --------------------------------------------------------------------------
def final_response(observations: list[Mapping[str, Any]]) -> Any:
    """The output of the last ``agent_final_response`` observation (the CLI's override), else None."""
    for observation in reversed(observations):
        if observation.get("name") == FINAL_RESPONSE_NAME and observation.get("output") is not None:
            return observation["output"]
    return None


def actions(observations: Iterable[Mapping[str, Any]]) -> list[str]:
    """``type:name`` of each observation ordered by (start, end, name), de-duplicated like the CLI."""
    seen: set[tuple[Any, Any, Any]] = set()
    labels = []
    for observation in sorted(
        observations, key=lambda o: (o.get("start_time") or "", o.get("end_time") or "", o.get("name") or "")
    ):
        key = (observation.get("id"), observation.get("start_time"), observation.get("name"))
        if key in seen:
            continue
        seen.add(key)
        kind = observation.get("type") or "event"
        labels.append(f"{kind}:{observation.get('name') or kind}")
    return labels


def token_usage(observations: Iterable[Mapping[str, Any]]) -> dict[str, float] | None:
    """Summed ``prompt_tokens``/``completion_tokens``/``total_tokens`` (floats), or None if none found."""
    totals = dict.fromkeys(_USAGE_KEYS, 0.0)
    found = False
    for observation in observations:
        if not isinstance(observation, Mapping):
            continue
        usage = _entry_usage(observation)
        if usage:
            found = True
            for key, value in usage.items():
                totals[key] += value
    if not found:
        return None
    if totals["total_tokens"] <= 0:
        totals["total_tokens"] = totals["prompt_tokens"] + totals["completion_tokens"]
    return totals


def _values(data: Mapping[str, Any]) -> dict[str, float]:
    return {key: float(data[key]) for key in _USAGE_KEYS if isinstance(data.get(key), (int, float))}


def _candidate_usage(candidate: Any) -> dict[str, float]:
    if not isinstance(candidate, Mapping):
        return {}
    direct = _values(candidate)
    if direct:
        return direct
    nested = candidate.get("token_usage")
    if isinstance(nested, Mapping):
        values = _values(nested)
        if values:
            return values
    nested = candidate.get("usage")
    return _values(nested) if isinstance(nested, Mapping) else {}


def _entry_usage(entry: Mapping[str, Any]) -> dict[str, float]:
    candidates: list[Any] = [entry]
    output = entry.get("output")
    if isinstance(output, Mapping):
        candidates.append(output)
        messages = output.get("messages")
        if isinstance(messages, Mapping):
            candidates.append(messages)
            candidates.append(messages.get("response_metadata"))
    raw = entry.get("raw")
    if isinstance(raw, Mapping):
        candidates.append(raw)
        raw_output = raw.get("output")
        if isinstance(raw_output, Mapping):
            candidates.append(raw_output)
            candidates.append(raw_output.get("response_metadata"))
            messages = raw_output.get("messages")
            if isinstance(messages, Mapping):
                candidates.append(messages)
                candidates.append(messages.get("response_metadata"))
        candidates.append(raw.get("metadata"))
        candidates.append(raw.get("response_metadata"))
    for candidate in candidates:
        usage = _candidate_usage(candidate)
        if usage:
            return usage
    return {}
