"""The wrapt wrappers of the NAT instrumentation (see the package docstring)."""

from __future__ import annotations

from typing import Any, Callable

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api

from fluxloop_otel.instrumentation._streams import start, traced_call, traced_stream
from fluxloop_otel.instrumentation.nat import _mapping
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import Telemetry

#: Context key: the entry function of the run whose root span is current.
ENTRY_KEY = context_api.create_key("fluxloop_otel.nat.entry")

_TOOL = "tool"


def _called_by_langchain_tool(function: Any) -> bool:
    """Whether the current span is the LangChain tool run of this very function.

    NAT's LangChain tool wrapper hands ``Function.acall_invoke`` to a ``StructuredTool``; the
    LangChain instrumentation already records that call as a tool span (name, description,
    arguments, tool call id, result, error). The function call inside it is the same call:
    it gets no second span.
    """
    span = trace_api.get_current_span()
    attributes = getattr(span, "attributes", None)
    if not attributes or not span.is_recording():
        return False
    if attributes.get(A.FLUXLOOP_OBSERVATION_TYPE) != _TOOL:
        return False
    name = attributes.get(A.GEN_AI_TOOL_NAME)
    return name is not None and name in (
        getattr(function, "instance_name", None),
        getattr(function, "display_name", None),
    )


def _input_value(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[0] if args else kwargs.get("value")


class NatPatches:
    """The wrappers, bound to one :class:`Telemetry` (the instrumentor's)."""

    def __init__(self, telemetry: Telemetry) -> None:
        self.telemetry = telemetry
        self.enabled = True

    # -- Function.ainvoke / astream --------------------------------------------------------------
    def _record(self, function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any] | None:
        """(record, parent context) of a call to trace, or None to pass it through."""
        if not self.enabled or _called_by_langchain_tool(function):
            return None
        parent = context_api.get_current()
        entry = context_api.get_value(ENTRY_KEY, parent) is function
        if entry:  # the entry function's own calls are not entries
            parent = context_api.set_value(ENTRY_KEY, None, parent)
        return _mapping.function_record(function, _input_value(args, kwargs), entry), parent

    def function_ainvoke(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        try:
            traced = self._record(instance, args, kwargs)
        except Exception:  # tracing never breaks the workflow
            traced = None
        if traced is None:
            return wrapped(*args, **kwargs)
        return self._run(traced[0], traced[1], wrapped, args, kwargs)

    async def _run(
        self, inv: Any, parent: Any, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        start(self.telemetry, inv, parent)
        return await traced_call(self.telemetry, inv, parent, lambda: wrapped(*args, **kwargs))

    def function_astream(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        try:
            traced = self._record(instance, args, kwargs)
        except Exception:
            traced = None
        if traced is None:
            return wrapped(*args, **kwargs)
        return traced_stream(self.telemetry, traced[0], wrapped(*args, **kwargs), traced[1])

    # -- Runner ----------------------------------------------------------------------------------
    def runner_aenter(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self._aenter(wrapped, args, kwargs)

    @staticmethod
    async def _aenter(wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # Runner.__aenter__ sets every context variable saved when the workflow was built,
        # OpenTelemetry's current context included: a run would leave the caller's trace
        # (an instrument() block, a request span) for whatever was current at build time.
        # Put the caller's context back, in the caller's own context as NAT's sets were.
        current = context_api.get_current()
        result = await wrapped(*args, **kwargs)
        if context_api.get_current() is not current:
            context_api.attach(current)
        return result

    def runner_result(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if not self.enabled:
            return wrapped(*args, **kwargs)
        return self._result(instance, wrapped, args, kwargs)

    async def _result(
        self, runner: Any, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        telemetry = self.telemetry
        inv = _mapping.run_record(runner)
        parent = context_api.get_current()
        start(telemetry, inv, parent)
        context = context_api.set_value(ENTRY_KEY, getattr(runner, "_entry_fn", None), parent)
        return await traced_call(telemetry, inv, context, lambda: wrapped(*args, **kwargs))

    def runner_result_stream(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if not self.enabled:
            return wrapped(*args, **kwargs)
        return traced_stream(
            self.telemetry,
            _mapping.run_record(instance),
            wrapped(*args, **kwargs),
            context_api.get_current(),
            step_values={ENTRY_KEY: getattr(instance, "_entry_fn", None)},
        )
