"""The wrapt wrappers of the AGNT5 instrumentation (see the package docstring)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from typing import Any, Callable

import wrapt
from opentelemetry import context as context_api

from fluxloop_otel.instrumentation._streams import start, traced_call, traced_stream
from fluxloop_otel.instrumentation.agnt5 import _mapping
from fluxloop_otel.telemetry import Telemetry

logger = logging.getLogger("fluxloop_otel.instrumentation.agnt5")

#: Context keys: the agent whose span is current (``Agent.run`` calls ``Agent.stream``; a step
#: running an agent is that agent's span), and "a generation span is open" (the agent's model
#: call wraps the client's).
AGENT_KEY = context_api.create_key("fluxloop_otel.agnt5.agent")
GENERATION_KEY = context_api.create_key("fluxloop_otel.agnt5.generation")

_reported: set[str] = set()


def _record(build: Callable[..., Any], *args: Any) -> Any:
    """``build(*args)``, or None when reading the framework's objects fails (the call then runs
    untraced, and the failure is logged once per kind): tracing never breaks the agent."""
    try:
        return build(*args)
    except Exception as exc:
        name = getattr(build, "__name__", "record")
        if name not in _reported:
            _reported.add(name)
            logger.warning("fluxloop-otel: AGNT5 %s failed (%r); the call is not traced", name, exc, exc_info=True)
        return None


def _streams(instance: Any, request: Any) -> bool:
    """Whether a model call really streams: ``Agent._stream_lm_call`` calls ``generate()`` when
    tools meet a model that cannot stream them, or when model callbacks are set (as AGNT5 decides)."""
    if hasattr(instance, "_rust_lm"):  # LMClient.stream
        return True
    try:
        tools = bool(getattr(request, "tools", None)) or bool(getattr(request.config, "built_in_tools", None))
        model = getattr(instance, "_language_model", None)
        if model is not None:
            streaming_tools = bool(getattr(model, "supports_streaming_tools", False))
        else:
            from agnt5.lm.client import LMClient

            streaming_tools = LMClient.supports_streaming_tools_for_provider(str(instance.model).split("/", 1)[0])
        callbacks = getattr(instance, "callbacks", None)
        with_callbacks = callbacks is not None and (callbacks.before_model is not None or callbacks.after_model is not None)
        return not ((tools and not streaming_tools) or with_callbacks)
    except Exception:
        return True


def _sync_in_thread(func: Callable[..., Any]) -> Callable[..., Any]:
    """An ``async`` stand-in for a sync ``@tool``/``@function`` body, run in the default thread
    pool as AGNT5 runs it, but inside a copy of the caller's context (AGNT5 uses
    ``loop.run_in_executor``, which does not carry context variables)."""

    @functools.wraps(func)
    async def run_in_thread(*args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(None, functools.partial(context.run, func, *args, **kwargs))

    return run_in_thread


class Agnt5Patches:
    """The wrappers, bound to one :class:`Telemetry` (the instrumentor's)."""

    #: The instrumented set; functions decorated earlier use whichever is active when called
    #: (a later ``instrument()`` with another provider takes them over; none: no span).
    active: "Agnt5Patches | None" = None

    def __init__(self, telemetry: Telemetry) -> None:
        self.telemetry = telemetry
        self.enabled = True

    # -- one span around an awaited call ----------------------------------------------------------
    async def _traced(
        self,
        inv: Any,
        call: Callable[[], Any],
        finish: Callable[[Any, Any], None] | None = None,
        values: dict[Any, Any] | None = None,
    ) -> Any:
        parent = context_api.get_current()
        start(self.telemetry, inv, parent)
        context = parent
        for key, value in (values or {}).items():
            context = context_api.set_value(key, value, context)
        return await traced_call(self.telemetry, inv, context, call, finish)

    # -- Agent -------------------------------------------------------------------------------------
    def agent_run(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.enabled or context_api.get_value(AGENT_KEY) is instance:
            return wrapped(*args, **kwargs)
        message = args[0] if args else kwargs.get("user_message")
        inv = _record(_mapping.agent_record, instance, message)
        if inv is None:
            return wrapped(*args, **kwargs)
        return self._traced(inv, lambda: wrapped(*args, **kwargs), _mapping.agent_result, {AGENT_KEY: instance})

    def agent_stream(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.enabled or context_api.get_value(AGENT_KEY) is instance:
            return wrapped(*args, **kwargs)
        message = args[0] if args else kwargs.get("user_message")
        inv = _record(_mapping.agent_record, instance, message)
        if inv is None:
            return wrapped(*args, **kwargs)
        return traced_stream(
            self.telemetry,
            inv,
            wrapped(*args, **kwargs),
            context_api.get_current(),
            observe=_mapping.agent_stream_item,
            step_values={AGENT_KEY: instance},
        )

    # -- model calls -------------------------------------------------------------------------------
    @staticmethod
    def _model_call(instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, Any]:
        """(request, model name, client) of an agent's or a client's model call.

        AGNT5 sends a custom ``LanguageModel`` the placeholder model ``"mock-model"``: the model's
        own ``model``/``model_name`` attribute, else the agent's ``model_name``, names it instead.
        """
        request = args[0] if args else kwargs.get("request")
        if hasattr(instance, "_rust_lm"):  # LMClient
            return request, getattr(request, "model", None) or instance._default_model, instance
        client = getattr(instance, "_language_model", None)
        model = getattr(request, "model", None)
        if client is not None:
            own = getattr(client, "model", None) or getattr(client, "model_name", None)
            agent_model = getattr(instance, "model_name", None)
            if isinstance(own, str) and own:
                model = own
            elif isinstance(agent_model, str) and agent_model and agent_model != "mock-model":
                model = agent_model
        return request, model, client

    def agent_generate(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``Agent._call_model_generate`` and ``LMClient.generate``: one ``generation`` span."""
        if not self.enabled or context_api.get_value(GENERATION_KEY):
            return wrapped(*args, **kwargs)
        request, model, client = _record(self._model_call, instance, args, kwargs) or (None, None, None)
        inv = _record(_mapping.llm_record, request, model, client)
        if inv is None:
            return wrapped(*args, **kwargs)
        return self._traced(inv, lambda: wrapped(*args, **kwargs), _mapping.llm_response, {GENERATION_KEY: True})

    def agent_stream_lm(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``Agent._stream_lm_call`` and ``LMClient.stream``: one streamed ``generation`` span."""
        if not self.enabled or context_api.get_value(GENERATION_KEY):
            return wrapped(*args, **kwargs)
        request, model, client = _record(self._model_call, instance, args, kwargs) or (None, None, None)
        inv = _record(_mapping.llm_record, request, model, client, _streams(instance, request))
        if inv is None:
            return wrapped(*args, **kwargs)
        return traced_stream(
            self.telemetry,
            inv,
            wrapped(*args, **kwargs),
            context_api.get_current(),
            observe=_mapping.llm_stream_item,
            step_values={GENERATION_KEY: True},
        )

    # -- tools -------------------------------------------------------------------------------------
    def tool_invoke(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``Tool._invoke(ctx, kwargs, *, stable_key, ..., tool_call_id=None)``."""
        if not self.enabled or context_api.get_value(AGENT_KEY) is instance:
            return wrapped(*args, **kwargs)
        arguments = args[1] if len(args) > 1 else kwargs.get("kwargs")
        inv = _record(_mapping.tool_record, instance, arguments, kwargs.get("tool_call_id"))
        if inv is None:
            return wrapped(*args, **kwargs)
        return self._traced(inv, lambda: wrapped(*args, **kwargs), None, {AGENT_KEY: instance})

    # -- workflow steps ----------------------------------------------------------------------------
    def workflow_step(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``WorkflowContext.step(name_or_handler, func_or_awaitable=None, *args, key=None, **kwargs)``."""
        if not self.enabled or not args:
            return wrapped(*args, **kwargs)
        step_kwargs = {k: v for k, v in kwargs.items() if k != "key"}
        target = args[1] if len(args) > 1 else kwargs.get("func_or_awaitable")
        recorded = _record(_mapping.step_record, args[0], target, tuple(args[2:]), step_kwargs)
        if recorded is None:
            return wrapped(*args, **kwargs)
        inv, subject = recorded
        values = {AGENT_KEY: subject} if subject is not None else None  # the step is that agent's/tool's span
        return self._traced(inv, lambda: wrapped(*args, **kwargs), None, values)

    # -- decorators (closures: wrapped when the user's module decorates) ------------------------------
    def function_decorator(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``agnt5.function``: every function it returns is traced when called directly."""
        if not self.enabled:
            return wrapped(*args, **kwargs)
        if args and callable(args[0]):  # @function
            return self._traced_function(wrapped(self._threaded(args[0]), *args[1:], **kwargs))
        decorator = wrapped(*args, **kwargs)  # @function(...)
        return lambda func: self._traced_function(decorator(self._threaded(func)))

    def tool_decorator(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``agnt5.tool``: a sync tool body runs in the thread pool with the caller's context."""
        if not self.enabled:
            return wrapped(*args, **kwargs)
        if args and callable(args[0]):
            return wrapped(self._threaded(args[0]), *args[1:], **kwargs)
        decorator = wrapped(*args, **kwargs)
        return lambda func: decorator(self._threaded(func))

    def workflow_decorator(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``agnt5.workflow``: a workflow called directly is the root of its steps."""
        if not self.enabled:
            return wrapped(*args, **kwargs)
        if args and callable(args[0]):
            return self._traced_function(wrapped(*args, **kwargs), workflow=True)
        decorator = wrapped(*args, **kwargs)
        return lambda func: self._traced_function(decorator(func), workflow=True)

    @staticmethod
    def _threaded(func: Any) -> Any:
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func) or not inspect.isfunction(func):
            return func
        return _sync_in_thread(func)

    def _traced_function(self, handler: Any, workflow: bool = False) -> Any:
        config = getattr(handler, "_agnt5_config", None)
        name = str(getattr(config, "name", None) or getattr(handler, "__name__", "function"))

        def call(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            patches = Agnt5Patches.active
            if patches is None or not patches.enabled:
                return wrapped(*args, **kwargs)
            inv = _record(_mapping.function_record, name, args, kwargs, workflow)
            if inv is None:
                return wrapped(*args, **kwargs)
            return patches._traced(inv, lambda: wrapped(*args, **kwargs))

        return wrapt.FunctionWrapper(handler, call)
