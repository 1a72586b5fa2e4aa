"""Calling a target once: argument binding, sync/async/generator results, ``max_duration``.

Binding (decided once per target, from its signature):

* the input text goes to the first parameter named ``input``, ``input_text``, ``message``,
  ``query``, ``text``, ``content`` or ``user_message`` (the FluxLoop CLI's names), else to the
  first other parameter;
* a parameter named ``context`` receives a :class:`RunContext` (iteration, persona, metadata,
  trace id, ...); ``persona``/``user_persona`` the persona name, ``persona_description``/
  ``persona_prompt`` its description, ``iteration``/``run_iteration``/``loop_index`` the iteration;
* any other parameter without a default is an error reported before the first run.

Sync targets run in a daemon thread (with the caller's context, so spans nest under the run),
async targets on the event loop. Generators and async generators are consumed and their text
chunks joined. A run past ``max_duration`` raises :class:`RunTimeout`; an async target is
cancelled, a sync one is left to finish in its thread (threads cannot be stopped).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from fluxloop_otel.runner.errors import TargetError
from fluxloop_otel.runner.guards import RunTimeout

INPUT_PARAMETERS = ("input", "input_text", "message", "query", "text", "content", "user_message")
CONTEXT_PARAMETER = "context"
PERSONA_PARAMETERS = ("persona", "user_persona")
PERSONA_TEXT_PARAMETERS = ("persona_description", "persona_prompt", "persona_text")
ITERATION_PARAMETERS = ("iteration", "run_iteration", "loop_index")
_CHUNK_KEYS = ("delta", "text", "content")
#: Parameters filled by name: parameter -> RunContext field ("context" = the whole RunContext).
INJECTED: dict[str, str] = {
    CONTEXT_PARAMETER: "context",
    **{name: "persona" for name in PERSONA_PARAMETERS},
    **{name: "persona_description" for name in PERSONA_TEXT_PARAMETERS},
    **{name: "iteration" for name in ITERATION_PARAMETERS},
}


@dataclass(frozen=True)
class RunContext:
    """What the runner knows about one run (passed to a ``context`` parameter)."""

    iteration: int
    run_index: int
    input: str
    trace_id: str
    experiment: str
    persona: str | None = None
    persona_description: str | None = None
    persona_config: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Dictionary-style access (``context.get("persona")``)."""
        return getattr(self, key, default)

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CallPlan:
    """Which parameter receives what, for one target."""

    def __init__(self, function: Callable[..., Any], label: str) -> None:
        self.function = function
        self.label = label
        self.input_name: str | None = None
        self.input_positional = False
        self.extras: dict[str, str] = {}  # parameter -> INJECTED source
        self.is_async = _is_async(function)
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            self.input_positional = True  # builtins and C callables: the input as the only argument
            return
        self._bind(signature)

    def _bind(self, signature: inspect.Signature) -> None:
        parameters = list(signature.parameters.values())
        named = [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        by_name = {p.name: p for p in named}
        chosen = next((by_name[name] for name in INPUT_PARAMETERS if name in by_name), None)
        if chosen is None:
            chosen = next((p for p in named if p.name not in INJECTED and p.kind != p.KEYWORD_ONLY), None)
        if chosen is None:
            if not any(p.kind == p.VAR_POSITIONAL for p in parameters):
                raise TargetError(
                    f"'{self.label}' takes no parameter for the input text; add one named 'input' (or {', '.join(INPUT_PARAMETERS[1:])})",
                    field="target",
                )
            self.input_positional = True
        elif chosen.kind == chosen.POSITIONAL_ONLY:
            if named[0] is not chosen:
                raise TargetError(
                    f"'{self.label}': the input parameter '{chosen.name}' is positional-only but not the first parameter",
                    field="target",
                )
            self.input_positional = True
        else:
            self.input_name = chosen.name
        for parameter in named:
            if (
                parameter is not chosen
                and parameter.name in INJECTED
                and parameter.kind != parameter.POSITIONAL_ONLY
            ):
                self.extras[parameter.name] = INJECTED[parameter.name]
        supplied = {chosen.name if chosen is not None else None, *self.extras}
        missing = [p.name for p in named if p.default is p.empty and p.name not in supplied]
        if missing:
            raise TargetError(
                f"'{self.label}' requires argument(s) {', '.join(missing)} the runner cannot supply; give them defaults "
                f"or take a '{CONTEXT_PARAMETER}' parameter (iteration, persona, metadata, ...)",
                field="target",
            )

    def arguments(self, context: RunContext) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments of one call."""
        kwargs: dict[str, Any] = {}
        args: tuple[Any, ...] = (context.input,) if self.input_positional else ()
        if self.input_name is not None:
            kwargs[self.input_name] = context.input
        for name, source in self.extras.items():
            kwargs[name] = context if source == "context" else getattr(context, source)
        return args, kwargs


def _is_async(function: Any) -> bool:
    """Coroutine or async-generator function (or an instance whose ``__call__`` is one)."""
    candidates = [function]
    if not inspect.isroutine(function):
        candidates.append(getattr(function, "__call__", None))
    return any(
        inspect.iscoroutinefunction(c) or inspect.isasyncgenfunction(c) for c in candidates if c is not None
    )


# -- calling ---------------------------------------------------------------------------------------
async def call(plan: CallPlan, context: RunContext, max_duration: float | None) -> Any:
    """Run the target once; its value with streams joined into text."""
    args, kwargs = plan.arguments(context)
    if plan.is_async:
        work = _finish_async(plan.function(*args, **kwargs))
        return await _bounded(work, max_duration)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await _bounded(_in_thread(lambda: _finish_sync(plan.function(*args, **kwargs))), max_duration)
    if inspect.isawaitable(result) or hasattr(
        result, "__aiter__"
    ):  # a sync callable returning a coroutine/stream
        remaining = None if max_duration is None else max(0.0, max_duration - (loop.time() - started))
        try:
            result = await _bounded(_finish_async(result), remaining)
        except RunTimeout:
            raise RunTimeout(max_duration or 0.0) from None
    return result


async def _bounded(work: Any, limit: float | None) -> Any:
    if limit is None:
        return await work
    try:
        return await asyncio.wait_for(work, limit)
    except asyncio.TimeoutError:
        raise RunTimeout(limit) from None


def _in_thread(function: Callable[[], Any]) -> "asyncio.Future[Any]":
    """``function()`` in a daemon thread with a copy of the current context."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def settle(outcome: Callable[[], None]) -> None:
        try:
            loop.call_soon_threadsafe(outcome)
        except RuntimeError:  # the loop is gone (the run timed out and the experiment ended)
            pass

    def work() -> None:
        try:
            value = context.run(function)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            settle(lambda error=exc: future.done() or future.set_exception(error))
        else:
            settle(lambda: future.done() or future.set_result(value))

    threading.Thread(target=work, name="fluxloop-otel-run", daemon=True).start()
    return future


def _finish_sync(result: Any) -> Any:
    """A generator's chunks joined; other values unchanged."""
    if _is_iterator(result):
        return "".join(chunk_text(chunk) for chunk in result)
    return result


async def _finish_async(result: Any) -> Any:
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        return "".join([chunk_text(chunk) async for chunk in result])
    return _finish_sync(result)


def _is_iterator(value: Any) -> bool:
    return (
        hasattr(value, "__next__")
        and hasattr(value, "__iter__")
        and not isinstance(value, (str, bytes, bytearray))
    )


def chunk_text(chunk: Any) -> str:
    """The text of one streamed chunk: strings as they are, else a ``delta``/``text``/``content`` field."""
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, (bytes, bytearray)):
        return bytes(chunk).decode("utf-8", "replace")
    for key in _CHUNK_KEYS:
        value = chunk.get(key) if isinstance(chunk, dict) else getattr(chunk, key, None)
        if isinstance(value, str):
            return value
    return "" if chunk is None else str(chunk)
