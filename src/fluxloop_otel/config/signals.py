"""Opt-in flush on SIGTERM: a process stopped by ``kill``/``docker stop`` keeps its last spans.

The JSONL writer writes about once a second (``flush_interval``) and at interpreter exit, but
SIGTERM's default action ends the process without running ``atexit``: the last second of spans
was lost. ``flush_on_sigterm()`` (or ``FLUXLOOP_FLUSH_ON_SIGTERM=true`` before ``configure()``)
installs a SIGTERM handler that flushes (bounded by ``timeout``), then hands the signal on:

* a Python handler installed before is called with the same arguments;
* the default action is restored and the signal re-raised, so the process still ends "killed
  by SIGTERM" (exit status 143 in a shell);
* a signal that was ignored stays ignored.

The signal is never swallowed. Handlers can only be installed from the main thread; elsewhere
this logs at DEBUG and does nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

logger = logging.getLogger("fluxloop_otel")

ENV_VARIABLE = "FLUXLOOP_FLUSH_ON_SIGTERM"
DEFAULT_TIMEOUT = 2.0

_state: dict[str, Any] = {"handler": None, "previous": None, "timeout": DEFAULT_TIMEOUT}


def flush_on_sigterm(enabled: bool = True, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Install (or with ``enabled=False`` remove) the SIGTERM flush; True when it is installed after the call."""
    if threading.current_thread() is not threading.main_thread():
        logger.debug("fluxloop-otel: flush_on_sigterm() must be called from the main thread; skipped")
        return installed()
    _state["timeout"] = float(timeout)
    if not enabled:
        if installed():
            signal.signal(
                signal.SIGTERM, _state["previous"] if _state["previous"] is not None else signal.SIG_DFL
            )
        _state["handler"] = _state["previous"] = None
        return False
    if installed():
        return True
    _state["previous"] = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _handle)
    _state["handler"] = _handle
    return True


def installed() -> bool:
    """True while fluxloop-otel's SIGTERM handler is the one in place."""
    return _state["handler"] is not None and signal.getsignal(signal.SIGTERM) is _state["handler"]


def apply(enabled: bool, explicit: bool) -> None:
    """``configure(flush_on_sigterm=...)`` / ``FLUXLOOP_FLUSH_ON_SIGTERM``: install the handler, or
    remove it when switched off explicitly (a handler installed by a call stays otherwise)."""
    if enabled:
        flush_on_sigterm(True)
    elif explicit and installed():
        flush_on_sigterm(False)


def _handle(signum: int, frame: Any) -> None:
    try:
        from fluxloop_otel.config.setup import force_flush

        force_flush(_state["timeout"])
    except Exception as exc:  # the signal must go on whatever happens here
        logger.debug("fluxloop-otel: flush on SIGTERM failed: %r", exc)
    previous = _state["previous"]
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    # SIG_DFL (or a handler not installed from Python): end the process as SIGTERM would have.
    signal.signal(signum, signal.SIG_DFL)
    _state["handler"] = None
    os.kill(os.getpid(), signum)
