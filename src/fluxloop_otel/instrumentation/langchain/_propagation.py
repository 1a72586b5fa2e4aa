"""Context flowing down: spans started while a LangChain component runs become its children.

Two mechanisms, neither of which ever detaches a context in a frame other than the one
that attached it (so no "Failed to detach context", whatever thread, task or generator
step a run ends in):

* Chains, tools, LangGraph nodes: LangChain runs their bodies inside a *copy* of the
  caller's context, made by ``set_config_context`` -> ``_set_config_context(config)``
  (langchain-core and LangGraph each have one). :class:`ConfigContextHook` wraps that
  function: inside the copy, it makes the span of ``config["callbacks"].parent_run_id``
  current. The copy is discarded by LangChain when the body ends; nothing to undo.
* Chat models, LLMs, retrievers and LangGraph's graph loop start their run and do their
  work in the same call with no such copy. Their public entry points are wrapped in a
  *scope* (:func:`scoped_call` and friends): the first run that starts inside the scope
  claims it and becomes current; the scope restores the previous context when the call
  (or, for streams, each step) returns.

Every context made current carries :data:`RUN_KEY` (the run id), which tells the handler
that a new run whose parent is that run may start under the current span, even when user
spans sit in between.
"""

from __future__ import annotations

import contextvars
from typing import Any, Callable, Hashable

import wrapt
from opentelemetry import context as context_api
from opentelemetry import trace as trace_api

from fluxloop_otel.instrumentation.langchain._runs import Run, RunMap
from fluxloop_otel.telemetry import detach as safe_detach

#: Context key holding the id of the LangChain run whose span is current.
RUN_KEY = context_api.create_key("fluxloop_otel.langchain.run_id")


class Scope:
    """One call of a wrapped entry point; claimed by the first run that starts in it."""

    __slots__ = ("context", "token", "graph")

    def __init__(self, graph: Any = None) -> None:
        self.context: context_api.Context | None = None
        self.token: object | None = None
        #: The compiled LangGraph graph whose ``stream``/``astream`` this is (its run claims the scope).
        self.graph = graph


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "fluxloop_otel_langchain_scope", default=None
)


def unclaimed_graph() -> Any:
    """The compiled graph whose run is starting: the innermost scope is a graph's ``stream`` not
    yet claimed (a graph's own run is the first to start in it)."""
    scope = _scope.get()
    if scope is not None and scope.context is None:
        return scope.graph
    return None


def claim_scope(run_id: Hashable, run: Run) -> None:
    """Called by the handler when a run starts: the innermost unclaimed scope becomes this run's."""
    scope = _scope.get()
    if scope is not None and scope.context is None:
        scope.context = context_api.set_value(RUN_KEY, run_id, run.context)
        scope.token = context_api.attach(scope.context)


def _release(scope: Scope) -> None:
    token = scope.token
    if token is not None:
        scope.token = None
        safe_detach(token)


def _enter(scope: Scope) -> contextvars.Token[Scope | None]:
    """Start one step of a scoped call: the scope is active, and current if claimed earlier."""
    scope_token = _scope.set(scope)
    if scope.context is not None and scope.token is None:
        scope.token = context_api.attach(scope.context)
    return scope_token


def _exit(scope: Scope, scope_token: contextvars.Token[Scope | None]) -> None:
    _release(scope)
    try:
        _scope.reset(scope_token)
    except ValueError:  # pragma: no cover - a foreign context; the copy dies with it
        pass


# -- wrapt wrappers for entry points -----------------------------------------------------------
def scoped_call(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """A synchronous entry point (``BaseChatModel.generate``, ``BaseRetriever.invoke``)."""
    scope = Scope()
    token = _scope.set(scope)
    try:
        return wrapped(*args, **kwargs)
    finally:
        if scope.token is not None:
            safe_detach(scope.token)
        _scope.reset(token)


def scoped_coroutine(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """An ``async def`` entry point (``agenerate``, ``ainvoke``)."""
    return _run_scoped(wrapped, args, kwargs)


async def _run_scoped(wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    scope = Scope()
    token = _enter(scope)
    try:
        return await wrapped(*args, **kwargs)
    finally:
        _exit(scope, token)


def scoped_iterator(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """A generator entry point (``stream``): every step runs in the scope."""
    return ScopedIterator(wrapped(*args, **kwargs), Scope())


def scoped_async_iterator(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """An async generator entry point (``astream``): every step runs in the scope."""
    return ScopedAsyncIterator(wrapped(*args, **kwargs), Scope())


def scoped_graph_iterator(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``Pregel.stream``: a scope that knows its graph (see :func:`unclaimed_graph`)."""
    return ScopedIterator(wrapped(*args, **kwargs), Scope(instance))


def scoped_graph_async_iterator(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``Pregel.astream``: a scope that knows its graph."""
    return ScopedAsyncIterator(wrapped(*args, **kwargs), Scope(instance))


class ScopedIterator(wrapt.ObjectProxy):  # type: ignore[type-arg]
    """A generator whose steps (``next``/``send``/``throw``/``close``) each run in one scope."""

    def __init__(self, wrapped: Any, scope: Scope) -> None:
        super().__init__(wrapped)
        self._self_scope = scope

    def __iter__(self) -> "ScopedIterator":
        return self

    def _step(self, method: Callable[..., Any], *args: Any) -> Any:
        scope = self._self_scope
        token = _enter(scope)
        try:
            return method(*args)
        finally:
            _exit(scope, token)

    def __next__(self) -> Any:  # the hot step, spelled out
        scope = self._self_scope
        token = _scope.set(scope)
        if scope.context is not None:
            scope.token = context_api.attach(scope.context)
        try:
            return next(self.__wrapped__)
        finally:
            if scope.token is not None:
                safe_detach(scope.token)
                scope.token = None
            _scope.reset(token)

    def send(self, value: Any) -> Any:
        return self._step(self.__wrapped__.send, value)

    def throw(self, *args: Any) -> Any:
        return self._step(self.__wrapped__.throw, *args)

    def close(self) -> Any:
        return self._step(self.__wrapped__.close)


class ScopedAsyncIterator(wrapt.ObjectProxy):  # type: ignore[type-arg]
    """An async generator whose steps (``__anext__``, ``asend``, ``athrow``, ``aclose``) run in one scope."""

    def __init__(self, wrapped: Any, scope: Scope) -> None:
        super().__init__(wrapped)
        self._self_scope = scope

    def __aiter__(self) -> "ScopedAsyncIterator":
        return self

    async def _step(self, method: Callable[..., Any], *args: Any) -> Any:
        scope = self._self_scope
        token = _enter(scope)
        try:
            return await method(*args)
        finally:
            _exit(scope, token)

    def __anext__(self) -> Any:
        return self._step(self.__wrapped__.__anext__)

    def asend(self, value: Any) -> Any:
        return self._step(self.__wrapped__.asend, value)

    def athrow(self, *args: Any) -> Any:
        return self._step(self.__wrapped__.athrow, *args)

    def aclose(self) -> Any:
        return self._step(self.__wrapped__.aclose)


# -- the config-context hook ---------------------------------------------------------------------
class ConfigContextHook:
    """wrapt wrapper of ``_set_config_context``: inside LangChain's per-run context copy,
    make the span of the run that owns the config's callbacks current."""

    __slots__ = ("runs",)

    def __init__(self, runs: RunMap) -> None:
        self.runs = runs

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        result = wrapped(*args, **kwargs)
        try:
            config = args[0] if args else kwargs.get("config")
            callbacks = config.get("callbacks") if isinstance(config, dict) else None
            run_id = getattr(callbacks, "parent_run_id", None)
            if run_id is not None:
                run = self.runs.get(run_id)
                if run is not None:
                    current = trace_api.set_span_in_context(run.span, context_api.get_current())
                    # Inside the copy LangChain made for this run: never detached, dropped with it.
                    context_api.attach(context_api.set_value(RUN_KEY, run_id, current))
        except Exception:  # tracing must never break the traced program
            pass
        return result
