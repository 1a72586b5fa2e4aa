"""Argument recording in the FluxLoop SDK's format, for ``fluxloop run experiment`` replay.

``configure(record_args=True, recording_file=...)`` (or ``FLUXLOOP_RECORD_ARGS`` /
``FLUXLOOP_RECORDING_FILE``) turns the recorder on; ``record_call_args(target, **kwargs)``
then appends one JSON line per call::

    {"_version": "1", "iteration": 0, "target": "app.handler:handle",
     "kwargs": {"data": {"content": "hi"}, "api_key": "***", "send": "<callable:send>"},
     "timestamp": "2026-01-02T03:04:05.678901"}

This is what the SDK's ``ArgsRecorder`` writes (same keys, masking, callable markers; one
deliberate difference: secret-looking *attributes* of plain objects are masked too, where SDK
0.1.8 writes them in clear),
so the FluxLoop CLI's replay (``replay_args`` in ``simulation.yaml``) reads it unchanged: it
takes the last line's ``kwargs``, puts the run's input at ``override_param_path`` and maps
``<...>`` callable markers through ``callable_providers``. Recording never raises into the
program: a failed write is logged once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger("fluxloop_otel.recording")

FORMAT_VERSION = "1"
MASK = "***"

#: Key substrings the SDK treats as secrets (lower-cased substring match, as in the SDK).
SENSITIVE_KEY_PATTERNS: tuple[str, ...] = ("token", "password", "secret", "key", "auth", "credential")

_MAX_DEPTH = 3
_MAX_REPR = 100


def is_sensitive_key(key: str) -> bool:
    """Whether the SDK recorder masks the value under ``key``."""
    lowered = key.lower()
    return any(pattern in lowered for pattern in SENSITIVE_KEY_PATTERNS)


def default_recording_path(now: datetime | None = None) -> Path:
    """The SDK's default file when recording is on without a file: ``/tmp/fluxloop_args_<time>.jsonl``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    return Path(f"/tmp/fluxloop_args_{stamp}.jsonl").resolve()


class ArgsRecorder:
    """Appends one record per call to ``output_file`` (JSON lines, SDK recorder format)."""

    def __init__(self, output_file: str | os.PathLike[str], file_mode: int = 0o600) -> None:
        self.output_file = Path(output_file).expanduser().resolve()
        self.file_mode = file_mode
        self.output_file.parent.mkdir(parents=True, exist_ok=True)
        self._iterations: dict[str, int] = {}
        self._lock = threading.Lock()
        self._failed = False

    def record(self, target: str, *, iteration: int | None = None, **kwargs: Any) -> dict[str, Any]:
        """Append the record of one call and return it."""
        with self._lock:
            record = {
                "_version": FORMAT_VERSION,
                "iteration": self._iteration(target, iteration),
                "target": target,
                "kwargs": {key: _serialize_argument(key, value) for key, value in kwargs.items()},
                "timestamp": datetime.now().isoformat(),
            }
            line = json.dumps(record, default=str) + "\n"
            try:
                opener = lambda name, flags: os.open(name, flags, self.file_mode)  # noqa: E731
                with open(self.output_file, "a", encoding="utf-8", opener=opener) as handle:
                    handle.write(line)
            except OSError as exc:
                if not self._failed:
                    logger.warning(
                        "fluxloop-otel: cannot write the argument recording %s: %s", self.output_file, exc
                    )
                self._failed = True
        return record

    def _iteration(self, target: str, iteration: int | None) -> int:
        if iteration is None:
            iteration = self._iterations.get(target, -1) + 1
        self._iterations[target] = iteration
        return iteration


# -- value encoding (the SDK's rules) -------------------------------------------------------------
def _serialize_argument(key: str, value: Any) -> Any:
    if callable(value):
        return _callable_marker(value)
    if is_sensitive_key(key):
        return MASK
    safe = _json_safe(value)
    try:
        json.dumps(safe)
    except (TypeError, ValueError):
        text = repr(value)
        return f"<repr:{text[:_MAX_REPR]}>"
    return safe


def _callable_marker(value: Any) -> str:
    marker = getattr(value, "__fluxloop_builtin__", None)
    if marker:
        return f"<builtin:{marker}>"
    if hasattr(value, "messages"):
        return "<builtin:collector.send>"
    if hasattr(value, "errors"):
        return "<builtin:collector.error>"
    return f"<callable:{getattr(value, '__name__', 'unknown')}>"


def _json_safe(value: Any, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return f"<repr:{type(value).__name__}>"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {
            str(key): MASK if is_sensitive_key(str(key)) else _json_safe(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [MASK if _has_sensitive_keys(item) else _json_safe(item, depth + 1) for item in value]
    if hasattr(value, "__dict__"):  # unlike the SDK 0.1.8, secret-looking attributes are masked too
        return {
            str(name): MASK if is_sensitive_key(str(name)) else _json_safe(item, depth + 1)
            for name, item in vars(value).items()
            if not name.startswith("__")
        }
    return value


def _has_sensitive_keys(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(is_sensitive_key(str(key)) for key in value)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return any(_has_sensitive_keys(item) for item in value)
    return False


# -- module-level API (the SDK's names) -------------------------------------------------------------
_recorder: ArgsRecorder | None = None
_auto_increment = True


def enable_recording(output_file: str | os.PathLike[str], file_mode: int = 0o600) -> None:
    """Record calls to ``output_file`` (created with ``file_mode``) from now on."""
    global _recorder
    _recorder = ArgsRecorder(output_file, file_mode)


def disable_recording() -> None:
    """Stop recording."""
    global _recorder
    _recorder = None


def recording_file() -> Path | None:
    """The file being recorded to, or None when recording is off."""
    return _recorder.output_file if _recorder is not None else None


def set_recording_options(*, iteration_auto_increment: bool | None = None) -> None:
    """``iteration_auto_increment=False`` records ``iteration: 0`` when none is given (SDK option)."""
    global _auto_increment
    if iteration_auto_increment is not None:
        _auto_increment = bool(iteration_auto_increment)


def record_call_args(target: str, *, iteration: int | None = None, **kwargs: Any) -> None:
    """Record the keyword arguments of a call to ``target`` (``"module:function"``) if recording is on."""
    recorder = _recorder
    if recorder is None:
        return
    if iteration is None and not _auto_increment:
        iteration = 0
    try:
        recorder.record(target, iteration=iteration, **kwargs)
    except Exception as exc:  # recording must never break the program
        logger.warning("fluxloop-otel: argument recording failed: %r", exc)


def apply_settings(record_args: bool, path: str | None, file_mode: int = 0o600) -> None:
    """Turn the recorder on or off from ``configure()``'s ``record_args``, ``recording_file``, ``file_mode``."""
    if not record_args:
        disable_recording()
        return
    target = Path(path).expanduser().resolve() if path else default_recording_path()
    if _recorder is None or _recorder.output_file != target or _recorder.file_mode != file_mode:
        try:
            enable_recording(target, file_mode)
        except OSError as exc:
            disable_recording()
            logger.warning("fluxloop-otel: cannot record arguments to %s: %s", target, exc)
