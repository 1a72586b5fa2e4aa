"""``create_agent`` middleware ``wrap_model_call`` / ``wrap_tool_call`` hooks as steps.

``before_*``/``after_*`` middleware hooks are graph nodes (LangChain callbacks report them);
the ``wrap_*`` hooks are not: ``create_agent`` wraps each one with LangSmith's ``traceable``
(``{middleware}.wrap_model_call``, ``{middleware}.awrap_tool_call``...) when the agent is
built, and calls it around every model or tool call. LangSmith's tracing does not go through
LangChain's callbacks, so :class:`TraceableHook` wraps the ``traceable`` that
``langchain.agents.factory`` uses: each hook it decorates also opens a ``chain`` step for the
duration of the hook, current while it runs (the model or tool call it makes is its child).

Agents built before ``instrument()`` keep their hooks as they were; with
``hide_internal_runnables`` the hooks are not recorded (they are plumbing).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import StepInvocation
from fluxloop_otel.telemetry.emitter import attach, detach

#: Hooks ``create_agent`` decorates with ``traceable(name=f"{middleware}.{hook}")``.
WRAP_HOOKS = frozenset({"wrap_model_call", "awrap_model_call", "wrap_tool_call", "awrap_tool_call"})


def wrap_hook(name: Any) -> tuple[str, str] | None:
    """``(middleware, hook)`` of a ``traceable`` name given to a ``wrap_*`` middleware hook."""
    if not isinstance(name, str):
        return None
    middleware, _, hook = name.rpartition(".")
    return (middleware, hook) if middleware and hook in WRAP_HOOKS else None


def _control_flow(error: BaseException) -> bool:
    """LangGraph control flow (interrupt, handoff) and cancellation: not a failure of the hook."""
    if isinstance(error, GeneratorExit) or not isinstance(error, Exception):
        return True
    return any(cls.__name__ == "GraphBubbleUp" for cls in type(error).__mro__)


class TraceableHook:
    """wrapt wrapper of ``langchain.agents.factory.traceable``: ``wrap_*`` middleware hooks become steps."""

    __slots__ = ("_handler",)

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        decorator = wrapped(*args, **kwargs)
        hook = wrap_hook(kwargs.get("name"))
        if hook is None or not callable(decorator):
            return decorator
        handler = self._handler
        name = str(kwargs["name"])

        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            traced: Callable[..., Any] = decorator(function)
            try:
                if inspect.iscoroutinefunction(function):
                    return _async_step(traced, handler, name, hook)
                return _sync_step(traced, handler, name, hook)
            except Exception:  # tracing never breaks building the agent
                return traced

        return decorate


def _start(handler: Any, name: str, hook: tuple[str, str]) -> StepInvocation | None:
    """The step of one hook call, started (``None``: not traced now)."""
    try:
        if handler.hide_plumbing or not handler._active():
            return None
        record = StepInvocation(
            name,
            attributes={A.LANGCHAIN_MIDDLEWARE_NAME: hook[0], A.LANGCHAIN_MIDDLEWARE_HOOK: hook[1]},
        )
        handler.telemetry.start(record)
        return record
    except Exception:
        return None


def _end(handler: Any, record: StepInvocation, error: BaseException | None) -> None:
    try:
        if error is None or _control_flow(error):
            handler.telemetry.stop(record)
        else:
            handler.telemetry.fail(record, error)
    except Exception:
        pass


def _sync_step(traced: Callable[..., Any], handler: Any, name: str, hook: tuple[str, str]) -> Callable[..., Any]:
    @functools.wraps(traced)
    def step(*args: Any, **kwargs: Any) -> Any:
        record = _start(handler, name, hook)
        if record is None or record.span is None:
            return traced(*args, **kwargs)
        token = attach(record.span)
        try:
            result = traced(*args, **kwargs)
        except BaseException as error:
            detach(token)
            _end(handler, record, error)
            raise
        detach(token)
        _end(handler, record, None)
        return result

    return step


def _async_step(traced: Callable[..., Any], handler: Any, name: str, hook: tuple[str, str]) -> Callable[..., Any]:
    @functools.wraps(traced)
    async def step(*args: Any, **kwargs: Any) -> Any:
        record = _start(handler, name, hook)
        if record is None or record.span is None:
            return await traced(*args, **kwargs)
        token = attach(record.span)
        try:
            result = await traced(*args, **kwargs)
        except BaseException as error:
            detach(token)
            _end(handler, record, error)
            raise
        detach(token)
        _end(handler, record, None)
        return result

    return step


__all__ = ["TraceableHook", "WRAP_HOOKS", "wrap_hook"]
