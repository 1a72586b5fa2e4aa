"""``debug=True`` prints to stderr by itself, and says where the traces go.

Python's logging shows nothing below WARNING unless the application configures it, so
``configure(debug=True)`` / ``FLUXLOOP_DEBUG=true`` used to show nothing. :func:`apply_debug`
attaches a stderr handler to the ``fluxloop_otel`` logger when no handler would print its
records (an application that configured logging keeps its own), and removes it when debug is
switched off again. :func:`log_destinations` logs where spans go after each ``configure()``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, Sequence

LOGGER_NAME = "fluxloop_otel"
_FORMAT = "fluxloop-otel %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`apply_debug` adds (writes to the *current* ``sys.stderr``)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(_FORMAT))

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ assigns it
        pass


def _ours(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if isinstance(h, _StderrHandler)]


def apply_debug(debug: bool) -> None:
    """Debug logging of fluxloop-otel on/off; on, it reaches stderr even if nothing configured logging."""
    logger = logging.getLogger(LOGGER_NAME)
    ours = _ours(logger)
    if not debug:
        for handler in ours:
            logger.removeHandler(handler)
        if ours:
            logger.setLevel(logging.NOTSET)
        return
    logger.setLevel(logging.DEBUG)
    if ours:
        return
    if not logger.hasHandlers():  # nobody would print our records (lastResort shows WARNING+ only)
        logger.addHandler(_StderrHandler())


def log_destinations(settings: Any, processors: Sequence[Any]) -> None:
    """One INFO line (shown with ``debug``): where the JSONL files go and where OTLP export goes."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.isEnabledFor(logging.INFO):
        return
    parts = []
    names = {type(p).__name__: p for p in processors}
    if "FluxLoopJsonlSpanProcessor" in names:
        files = (
            "observations_YYYYMMDD.jsonl, traces_YYYYMMDD.jsonl"
            if settings.daily_files
            else "observations.jsonl, traces.jsonl"
        )
        parts.append(f"FluxLoop JSONL to {os.path.abspath(settings.offline_store_dir)} ({files})")
    else:
        parts.append("no FluxLoop JSONL files (offline_store_enabled is off)")
    guarded = names.get("GuardedBatchSpanProcessor")
    if guarded is not None:
        from fluxloop_otel.export.guard import describe

        parts.append(f"OTLP to {describe(guarded.guard)}")
    else:
        parts.append("no OTLP export (no endpoint set)")
    logger.info("fluxloop-otel: traces go to: %s", "; ".join(parts))
