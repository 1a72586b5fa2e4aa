"""Hostile values: a redaction hook that raises or recurses, serializer hooks that recurse
forever, ``__repr__`` that raises, ``__str__``/``__repr__`` that hang, in arguments, return
values, set elements, metadata, events and exceptions. The traced call behaves as it does
untraced, within a bounded time, and the span is exported (in memory and JSONL) with a marker.

(Serializer-level cases: tests/serialization/test_serializer.py::test_hostile_objects_never_run_user_repr_and_get_a_marker,
::test_redaction_hook_applies_and_failing_hook_drops_content, ::test_cycles_are_cut.)
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Iterator
from unittest import mock

import pytest

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A

#: Every hanging method blocks on this; the fixture releases them at the end of each test.
_release = threading.Event()
GUARD_SECONDS = 10  # "returns within N seconds": a hang, not a timing measurement


@pytest.fixture(autouse=True)
def _release_hung_threads() -> Iterator[None]:
    _release.clear()
    yield
    _release.set()


class RaisingRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")

    __str__ = __repr__


class HangingStr:
    def __str__(self) -> str:
        _release.wait()
        return "released"

    __repr__ = __str__


class EndlessDict:
    """``to_dict`` returns another EndlessDict, forever."""

    def __init__(self, depth: int = 0) -> None:
        self.depth = depth

    def to_dict(self) -> dict[str, Any]:
        return {"depth": self.depth, "next": EndlessDict(self.depth + 1)}


class SelfRecursive:
    """``to_dict`` calls itself until RecursionError."""

    def to_dict(self) -> Any:
        return self.to_dict()


class HangingStrError(Exception):
    def __str__(self) -> str:
        _release.wait()
        return "released"


class RaisingStrError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str exploded")


def bounded(call: Callable[[], Any]) -> Any:
    """``call()`` on a thread; fails the test when it does not return within GUARD_SECONDS."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(GUARD_SECONDS)
    assert not thread.is_alive(), f"the traced call hung (> {GUARD_SECONDS} s)"
    outcome["seconds"] = time.monotonic() - started
    return outcome


def _record(tracing: Any, name: str) -> dict[str, Any]:
    return next(r for r in tracing.observations() if r["name"] == name)


HOSTILE_ARGUMENTS = {
    "raising_repr": RaisingRepr(),
    "hanging_str": HangingStr(),
    "endless_to_dict": EndlessDict(),
    "self_recursive_to_dict": SelfRecursive(),
    "set_of_hanging": {HangingStr(), HangingStr()},
    "set_of_raising": {RaisingRepr()},
    "dict_key_hanging": {HangingStr(): 1},
    "mock": mock.MagicMock(),
    "nested": [{"deep": (RaisingRepr(), HangingStr())}],
}


@pytest.mark.parametrize("kind", list(HOSTILE_ARGUMENTS))
def test_hostile_argument_and_return_value(tracing: Any, kind: str) -> None:
    value = HOSTILE_ARGUMENTS[kind]

    @fl.tool()
    def echo(value: Any) -> Any:
        return value

    outcome = bounded(lambda: echo(value))
    assert outcome.get("value") is value  # the same object back, untouched
    span = tracing.span("execute_tool echo")
    assert json.loads(span.attributes[A.INPUT_VALUE])  # valid JSON with markers instead of content
    record = _record(tracing, "echo")
    assert "input" in record and "output" in record
    text = json.dumps(record)
    assert "released" not in text  # no user __str__/__repr__ ran
    if kind in ("raising_repr", "hanging_str", "mock"):
        assert record["output"].startswith("<") and record["output"].endswith(">")
    if kind == "endless_to_dict":
        assert "<max depth reached>" in text
    if kind == "self_recursive_to_dict":
        assert "recursion" in text


def test_hostile_metadata_event_and_instrument(tracing: Any) -> None:
    def program() -> str:
        with fl.instrument("hostile", metadata={"bad": HangingStr(), "worse": RaisingRepr()}) as ctx:
            ctx.add_metadata("set", {HangingStr()})
            fl.event(
                "hostile-event",
                input={"x": HangingStr()},
                output=RaisingRepr(),
                metadata={"m": SelfRecursive()},
            )
            return "done"

    assert bounded(program)["value"] == "done"
    assert tracing.span("hostile-event") is not None
    assert [t["name"] for t in tracing.traces()] == ["hostile"]
    assert "hostile-event" in [r["name"] for r in tracing.observations()]


def test_redaction_hook_that_raises_or_recurses(tracing: Any) -> None:
    def raising(value: Any, field: str) -> Any:
        raise KeyError("hook bug")

    def recursing(value: Any, field: str) -> Any:
        return recursing(value, field)

    def returns_hostile(value: Any, field: str) -> Any:
        return {"replaced": HangingStr(), "also": RaisingRepr()}

    @fl.tool()
    def secretive(plan: str) -> str:
        return "the plan: " + plan

    for hook in (raising, recursing, returns_hostile):
        fl.configure(
            tracer_provider=tracing.provider,
            offline_store_dir=str(tracing.directory),
            redact=hook,
            flush_interval=0.05,
        )
        tracing.exporter.clear()
        assert bounded(lambda: secretive("world domination"))["value"] == "the plan: world domination"
        span = tracing.span("execute_tool secretive")
        attributes = json.dumps(dict(span.attributes))
        assert "world domination" not in attributes  # the raw content never leaks past a broken hook
        if hook is not returns_hostile:
            assert "redaction hook raised" in span.attributes[A.INPUT_VALUE]
    records = [r for r in tracing.observations() if r["name"] == "secretive"]
    assert len(records) == 3 and "world domination" not in json.dumps(records)


@pytest.mark.parametrize(
    "error",
    [
        HangingStrError("hidden"),
        RaisingStrError("hidden"),
        ValueError(HangingStr()),
        KeyError(RaisingRepr()),
        RuntimeError("plain message"),
    ],
    ids=["str-hangs", "str-raises", "arg-str-hangs", "arg-repr-raises", "plain"],
)
def test_hostile_exception(tracing: Any, error: BaseException) -> None:
    @fl.agent()
    def outer() -> None:
        inner()

    @fl.tool()
    def inner() -> None:
        raise error

    outcome = bounded(outer)
    assert outcome.get("error") is error  # the same exception, unchanged
    assert outcome["seconds"] < 5
    for name in ("execute_tool inner", "invoke_agent outer"):
        span = tracing.span(name)
        assert span.status.status_code.name == "ERROR"
        assert span.attributes[A.ERROR_TYPE] == type(error).__qualname__
        event = next(e for e in span.events if e.name == "exception")
        assert event.attributes["exception.type"].endswith(type(error).__qualname__)
        assert "Traceback (most recent call last)" in event.attributes["exception.stacktrace"]
    record = _record(tracing, "inner")
    assert record["level"] == "error" and record["metadata"]["error_type"] == type(error).__name__
    assert "released" not in json.dumps(record)
    if isinstance(error, RuntimeError):
        assert record["error"] == "plain message"
    else:
        assert type(error).__name__ in record["error"]  # a marker naming the type


def test_stack_trace_matches_the_standard_format_for_plain_exceptions() -> None:
    """The stack trace built without ``str(exc)`` is what ``traceback`` prints, causes and contexts included."""
    import traceback

    from fluxloop_otel.serialization.exceptions import exception_stacktrace

    def fail() -> None:
        try:
            {}["missing"]
        except KeyError as first:
            try:
                raise ValueError("while handling") from first  # a cause
            except ValueError:
                raise RuntimeError("outer")  # noqa: B904 - a context on purpose

    errors: list[BaseException] = []
    for raising in (fail, lambda: open("/nonexistent/x.txt"), lambda: (_ for _ in ()).throw(LookupError())):
        try:
            raising()
        except Exception as exc:
            errors.append(exc)
    for exc in errors:
        assert exception_stacktrace(exc) == "".join(traceback.format_exception(exc))
