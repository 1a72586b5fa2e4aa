"""Run guards: ``max_duration`` (a run that takes longer fails), ``output_char_limit`` and ``input_char_limit``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\s*$", re.IGNORECASE
)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
#: Characters of each input kept in the experiment files unless configured (like ``max_content_chars``).
DEFAULT_INPUT_CHAR_LIMIT = 20000


class RunTimeout(Exception):
    """A run went past ``max_duration``."""

    def __init__(self, limit_seconds: float) -> None:
        self.limit_seconds = limit_seconds
        super().__init__(f"run exceeded max_duration of {format_duration(limit_seconds)}")


def parse_duration(value: Any) -> float | None:
    """Seconds from ``120``, ``"120s"``, ``"1.5m"``, ``"500ms"``, ``"2h"``; None for None/"none"/0.

    Raises ValueError with a readable message for anything else.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 120s, 2m or 500ms, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(f"expected a duration such as 120s, 2m or 500ms, got {value!r}")
        unit = (match.group(2) or "s").lower()
        seconds = float(match.group(1)) * _UNIT_SECONDS["ms" if unit == "ms" else unit[0]]
    else:
        raise ValueError(f"expected a duration such as 120s, 2m or 500ms, got {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"duration must be a positive number of seconds, got {value!r}")
    return seconds or None


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    return f"{seconds:g}s"


def parse_char_limit(value: Any) -> int | None:
    """A positive character count, or None for None/0 (no limit)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"expected a whole number of characters, got {value!r}")
    try:
        limit = int(str(value).strip())
    except ValueError:
        raise ValueError(f"expected a whole number of characters, got {value!r}") from None
    if limit < 0:
        raise ValueError(f"must not be negative, got {limit}")
    return limit or None


@dataclass(frozen=True)
class Guards:
    """Limits applied to every run."""

    max_duration: float | None = None
    output_char_limit: int | None = None
    #: Cap on the input as *stored* in the experiment files (the target always gets all of it).
    input_char_limit: int | None = DEFAULT_INPUT_CHAR_LIMIT

    def limit_output(self, text: str) -> tuple[str, bool]:
        """``text`` cut to ``output_char_limit`` characters (with a marker); True when cut."""
        return cut(text, self.output_char_limit)

    def limit_input(self, text: str) -> tuple[str, bool]:
        """``text`` cut to ``input_char_limit`` characters (with a marker); True when cut."""
        return cut(text, self.input_char_limit)


def cut(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters with a ``... [truncated N chars]`` marker; True when cut."""
    if limit is None or len(text) <= limit:
        return text, False
    return f"{text[:limit]}... [truncated {len(text) - limit} chars]", True
