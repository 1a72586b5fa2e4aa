"""JSON encoding for the hot path and the writer: orjson when available, stdlib otherwise.

Both produce compact UTF-8 JSON; anything orjson refuses (integers beyond 64 bits, lone
surrogates) falls back to the standard library, so results are always valid JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

_orjson: Any
try:  # orjson is a dependency; the fallback keeps exotic platforms working
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only where orjson has no wheel
    _orjson = None

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False)
_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False, allow_nan=False)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as null (what orjson writes): standard JSON only."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _encode(encoder: json.JSONEncoder, value: Any) -> str:
    try:
        return encoder.encode(value)
    except ValueError:  # NaN or infinity: null, as orjson does
        return encoder.encode(_finite(value))


def dumps(value: Any) -> str:
    """Compact JSON text of a JSON-compatible value."""
    if _orjson is not None:
        try:
            text: str = _orjson.dumps(value).decode("utf-8")
            return text
        except (TypeError, ValueError):
            pass
    return _encode(_compact, value)


def dumps_line(value: Any) -> bytes:
    """One JSONL line (UTF-8 bytes ending in a newline)."""
    if _orjson is not None:
        try:
            line: bytes = _orjson.dumps(value, option=_orjson.OPT_APPEND_NEWLINE)
            return line
        except (TypeError, ValueError):
            pass
    return (_encode(_ascii, value) + "\n").encode("ascii")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ValueError on invalid input."""
    if _orjson is not None:
        try:
            return _orjson.loads(text)
        except ValueError:
            pass  # orjson is stricter on some inputs (e.g. huge integers): let json decide
    return json.loads(text)
