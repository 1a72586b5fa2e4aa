"""An exception's message and stack trace without trusting the exception's own code.

``str(exc)`` runs the exception class's ``__str__`` (and, for built-in exceptions, the
``__str__``/``__repr__`` of its arguments): user code that may raise, or hang. The OTel SDK's
``record_exception`` and ``traceback.format_exception`` call it unguarded. Here:

* built-in exception types whose arguments are plain values (str, int, ...) are read
  directly: nothing but interpreter code runs;
* anything else is read on a helper thread given :data:`STR_TIMEOUT` seconds; past that the
  message is a marker (the helper is abandoned; the traced program goes on);
* the stack trace is built from the traceback frames plus that message (causes and contexts
  included), never by formatting the exception object.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

#: Seconds an exception's own ``__str__`` may take before a marker is used instead.
STR_TIMEOUT = 0.25
_PLAIN = (str, int, float, bool, type(None), bytes)
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"
_MAX_CHAIN = 16

# The last messages read through a helper thread, so an exception passing through several
# traced functions is read once. Keys are ids; the exception is kept to make the id unique.
_recent: dict[int, tuple[BaseException, str]] = {}
_recent_lock = threading.Lock()


def _reads_only_plain_values(exc: BaseException) -> bool:
    cls = type(exc)
    owner = next((klass for klass in cls.__mro__ if "__str__" in klass.__dict__), BaseException)
    if owner.__module__ != "builtins":
        return False
    try:
        args = exc.args
    except Exception:
        return False
    return type(args) is tuple and all(type(arg) in _PLAIN for arg in args)


def _label(exc: BaseException) -> str:
    return type(exc).__name__


def exception_message(exc: BaseException) -> str:
    """``str(exc)``, bounded: see the module docstring. Never raises."""
    if _reads_only_plain_values(exc):
        try:
            return str(exc)
        except Exception:
            return f"<{_label(exc)}: str() failed>"
    key = id(exc)
    with _recent_lock:
        cached = _recent.get(key)
    if cached is not None and cached[0] is exc:
        return cached[1]
    message = _str_on_helper_thread(exc)
    with _recent_lock:
        if len(_recent) >= 16:
            _recent.clear()
        _recent[key] = (exc, message)
    return message


def _str_on_helper_thread(exc: BaseException) -> str:
    result: list[str] = []

    def read() -> None:
        try:
            result.append(str(exc))
        except BaseException as error:  # noqa: BLE001 - whatever __str__ does stays here
            result.append(f"<{_label(exc)}: str() raised {type(error).__name__}>")

    helper = threading.Thread(target=read, name="fluxloop-otel-exception-str", daemon=True)
    try:
        helper.start()
    except RuntimeError:  # no new threads (interpreter shutdown)
        return f"<{_label(exc)}: message not read>"
    helper.join(STR_TIMEOUT)
    if not result:
        return f"<{_label(exc)}: str() did not return within {STR_TIMEOUT:g} s>"
    return result[0]


def qualified_name(cls: type[Any]) -> str:
    """``module.Qualname`` (just ``Qualname`` for built-ins), as the OTel SDK and traceback write it."""
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", cls.__name__)
    return f"{module}.{qualname}" if module and module != "builtins" else qualname


def exception_stacktrace(exc: BaseException, message: str | None = None) -> str:
    """What ``traceback.format_exception(exc)`` shows, built without calling ``str(exc)``."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen and len(chain) < _MAX_CHAIN:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts: list[str] = []
    for index in range(len(chain) - 1, -1, -1):
        item, link = chain[index]
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            try:
                parts.extend(traceback.format_tb(item.__traceback__))
            except Exception:
                parts.append("  <frames unavailable>\n")
        text = message if item is exc and message is not None else exception_message(item)
        name = qualified_name(type(item))
        parts.append(f"{name}: {text}\n" if text else f"{name}\n")
        if index > 0:
            parts.append(link)
    return "".join(parts)
