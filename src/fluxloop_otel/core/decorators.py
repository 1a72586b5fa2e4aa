"""``@agent @tool @prompt @retrieval @embedding @trace``: one wrapt mechanism, the
observation type as data, a thin adapter onto the telemetry layer.

Each decorated callable gets a :class:`CallPlan` (built once: its record template, cached
static attributes, argument binder); each call fills one record and walks
start -> call -> finish through :class:`~fluxloop_otel.telemetry.Telemetry` with no I/O.
A call with no active span starts a new trace.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable, Mapping, TypeVar, overload

import wrapt
from opentelemetry import context as context_api
from opentelemetry import trace as trace_api

from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.core.arguments import ArgumentBinder
from fluxloop_otel.core.streams import trace_async_generator, trace_generator
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry import (
    RECORD_TYPES,
    Invocation,
    LLMInvocation,
    RetrievalInvocation,
    Telemetry,
    ToolCall,
    detach,
)
from fluxloop_otel.telemetry import attributes as record_attributes

F = TypeVar("F", bound=Callable[..., Any])

_SYNC, _ASYNC, _GENERATOR, _ASYNC_GENERATOR = range(4)
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def _underlying(func: Any) -> Any:
    """The plain function behind classmethod/staticmethod objects."""
    return getattr(func, "__func__", func) if isinstance(func, (classmethod, staticmethod)) else func


def _call_kind(func: Any) -> int:
    target = _underlying(func)
    if inspect.isasyncgenfunction(target):
        return _ASYNC_GENERATOR
    if inspect.isgeneratorfunction(target):
        return _GENERATOR
    if inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(getattr(target, "__call__", None)):
        return _ASYNC
    return _SYNC


def _default_name(func: Any) -> str:
    target = _underlying(func)
    return getattr(target, "__name__", None) or type(target).__name__


def _parameters_schema(binder: ArgumentBinder, func: Any) -> str:
    """A small JSON schema of the parameters (OpenInference ``tool.parameters``)."""
    try:
        signature = inspect.signature(_underlying(func))
    except (TypeError, ValueError):
        return json.dumps({"type": "object"})
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name in binder.parameter_names:
        parameter = signature.parameters.get(name)
        if parameter is None or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = parameter.annotation
        origin = getattr(annotation, "__origin__", annotation)
        properties[name] = {"type": _JSON_TYPES[origin]} if origin in _JSON_TYPES else {}
        if parameter.default is parameter.empty:
            required.append(name)
    return json.dumps({"type": "object", "properties": properties, "required": required})


#: Argument names read as a generation's request model / messages / prompt.
_QUERY_PARAMETERS = ("query", "question", "q", "text", "input")
_TOP_K_PARAMETERS = ("k", "top_k", "limit", "n_results")


class CallPlan:
    """Everything about a decorated callable that does not change between calls (its record
    template and cached static attributes), and the two steps of a call: :meth:`start` (a
    record with the call's input, its span started) and :meth:`finish` (output, span ended)."""

    __slots__ = (
        "observation_type",
        "name",
        "template",
        "static",
        "capture_input",
        "capture_output",
        "capture_tokens",
        "kind",
        "_func",
        "_binders",
        "_record_type",
        "_reads_arguments",
        "_call_template",
        "_call_fields",
    )

    def __init__(
        self,
        func: Any,
        template: Invocation,
        *,
        capture_input: bool,
        capture_output: bool,
        capture_tokens: bool,
    ) -> None:
        self._func = func
        self.template = template
        self.observation_type = template.observation_type
        self.name = template.name
        self.capture_input = capture_input
        self.capture_output = capture_output
        self.capture_tokens = capture_tokens
        self.kind = _call_kind(func)
        self._binders: dict[bool, ArgumentBinder] = {}
        self._record_type = type(template)
        if isinstance(template, ToolCall):
            template.parameters_schema = _parameters_schema(self.binder(False), func)
        span_name, fixed = record_attributes.static(template)
        fixed = dict(fixed)
        if template.metadata:
            fixed[A.METADATA] = json.dumps(template.metadata, default=str)
        #: ``(span name, static attributes)`` handed to the emitter on every call.
        self.static = (span_name, fixed)
        # These kinds read their arguments (model, messages, query): the emitter computes their
        # (cached) static attributes from each call's record instead.
        self._reads_arguments = self.observation_type in (ObservationType.GENERATION, ObservationType.RETRIEVAL)
        #: What every call's record starts from (copied per call by ``fresh()``). Kinds with
        #: cached static attributes carry them there, so the record itself needs only its name.
        self._call_template = template if self._reads_arguments else self._record_type(self.name)
        self._call_template.record_output = capture_output
        if isinstance(self._call_template, LLMInvocation):
            self._call_template.read_usage = capture_tokens
        self._call_fields = self._call_template.own_fields()

    def binder(self, bound_call: bool) -> ArgumentBinder:
        binder = self._binders.get(bound_call)
        if binder is None:
            binder = self._binders[bound_call] = ArgumentBinder(_underlying(self._func), skip_first=bound_call)
        return binder

    def record(self, telemetry: Telemetry, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Invocation:
        """This call's record (input bound to parameter names when it is recorded)."""
        record = object.__new__(self._record_type)  # the template's fields, defaults read through the class
        record.__dict__.update(self._call_fields)
        capture = self.capture_input and telemetry.capture_content
        if not capture and not self._reads_arguments:
            return record
        binder = self._binders.get(instance is not None) or self.binder(instance is not None)
        bound = binder.bind(args, kwargs)
        if capture:
            record.input = bound
        if isinstance(record, LLMInvocation):
            _fill_generation(record, bound)
        elif isinstance(record, RetrievalInvocation):
            _fill_retrieval(record, bound)
        return record

    def static_for(self, record: Invocation) -> tuple[str, Mapping[str, Any]] | None:
        """The cached static part of ``record`` (None: the emitter derives it from the record)."""
        return None if self._reads_arguments else self.static

    def start(self, telemetry: Telemetry, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Invocation:
        """This call's record, its span started (a child of the current span, or a new trace)."""
        record = self.record(telemetry, instance, args, kwargs)
        telemetry.start(record, static=None if self._reads_arguments else self.static)
        return record

    def finish(self, telemetry: Telemetry, record: Invocation, result: Any) -> None:
        """Record the return value and end the span."""
        if isinstance(record, LLMInvocation):
            record.response = result
        else:
            record.output = result
        telemetry.stop(record)


def _fill_generation(record: LLMInvocation, bound: Mapping[str, Any]) -> None:
    parameters = {
        name: value
        for name, value in bound.items()
        if name in A.REQUEST_PARAMETERS and value is not None and isinstance(value, (int, float, str, list, tuple))
    }
    if parameters:
        record.parameters = parameters
    model = bound.get("model")
    if isinstance(model, str) and model:
        record.request_model = model
    messages = bound.get("messages")
    if isinstance(messages, (list, tuple)) and messages:
        record.messages = messages
    elif isinstance(bound.get("prompt"), str):
        record.messages = bound["prompt"]
    tools = bound.get("tools")
    if isinstance(tools, (list, tuple)) and tools:
        record.tool_definitions = tools


def _fill_retrieval(record: RetrievalInvocation, bound: Mapping[str, Any]) -> None:
    query = next((bound[n] for n in _QUERY_PARAMETERS if isinstance(bound.get(n), str)), None)
    if query is None:
        query = next((v for v in bound.values() if isinstance(v, str)), None)
    record.query = query
    top_k = next((bound[n] for n in _TOP_K_PARAMETERS if type(bound.get(n)) is int), None)
    if top_k is not None:
        record.top_k = top_k


_attach = context_api.attach
_span_context = trace_api.set_span_in_context
_detach = detach


def observation_wrapper(plan: CallPlan) -> Callable[..., Any]:
    """The wrapt wrapper body shared by all decorators (a closure: the cheapest call for wrapt)."""
    start, finish, kind = plan.start, plan.finish, plan.kind
    get_runtime = _runtime.get

    async def call_async(telemetry: Telemetry, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        record = start(telemetry, instance, args, kwargs)
        token = _attach(_span_context(record.span))  # type: ignore[arg-type]
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            _detach(token)
            telemetry.fail(record, exc)
            raise
        _detach(token)
        finish(telemetry, record, result)
        return result

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        rt = _runtime.current or get_runtime()
        if not rt.enabled:  # (inside suppress_tracing() the emitter starts no span: one context read, there)
            return wrapped(*args, **kwargs)
        telemetry = rt.telemetry
        if kind != _SYNC:
            if kind == _ASYNC:
                return call_async(telemetry, wrapped, instance, args, kwargs)
            if kind == _GENERATOR:
                return trace_generator(telemetry, plan, wrapped(*args, **kwargs), instance, args, kwargs)
            return trace_async_generator(telemetry, plan, wrapped(*args, **kwargs), instance, args, kwargs)
        record = start(telemetry, instance, args, kwargs)
        token = _attach(_span_context(record.span))  # type: ignore[arg-type]
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            _detach(token)
            telemetry.fail(record, exc)
            raise
        _detach(token)
        finish(telemetry, record, result)
        return result

    wrapper.plan = plan  # type: ignore[attr-defined]
    return wrapper


def observe(
    observation_type: ObservationType | str,
    name: str | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
    capture_tokens: bool = True,
    **fields: Any,
) -> Callable[[F], F]:
    """Decorator factory behind every public decorator (``observation_type`` as data).

    ``fields`` are the record fields of that type fixed for every call (``description`` of a
    tool, ``request_model`` of a generation, ``data_source`` of a retrieval...).
    """
    record_type = RECORD_TYPES[ObservationType.coerce(observation_type)]

    def decorate(func: F) -> F:
        if not callable(func) and not isinstance(func, (classmethod, staticmethod)):
            raise TypeError(f"@{record_type.observation_type.value} can only decorate callables, got {type(func).__name__}")
        template = record_type(name or _default_name(func), metadata=metadata, **fields)
        plan = CallPlan(
            func,
            template,
            capture_input=capture_input,
            capture_output=capture_output,
            capture_tokens=capture_tokens,
        )
        return wrapt.FunctionWrapper(func, observation_wrapper(plan))  # type: ignore[return-value]

    return decorate


# -- public decorators (FluxLoop SDK signatures, plus retrieval/embedding) -----------------------
def _bare_or_factory(name: Any, factory: Callable[[str | None], Callable[[F], F]]) -> Any:
    if callable(name) or isinstance(name, (classmethod, staticmethod)):
        return factory(None)(name)  # used as @decorator without parentheses
    return factory(name)


@overload
def agent(name: F) -> F: ...
@overload
def agent(name: str | None = None, metadata: Mapping[str, Any] | None = None, capture_input: bool = True, capture_output: bool = True) -> Callable[[F], F]: ...
def agent(name: Any = None, metadata: Mapping[str, Any] | None = None, capture_input: bool = True, capture_output: bool = True) -> Any:
    """An agent entry point: ``invoke_agent {name}`` span, FluxLoop type ``agent``."""
    return _bare_or_factory(
        name,
        lambda n: observe(ObservationType.AGENT, n, metadata=metadata, capture_input=capture_input, capture_output=capture_output),
    )


@overload
def tool(name: F) -> F: ...
@overload
def tool(name: str | None = None, description: str | None = None) -> Callable[[F], F]: ...
def tool(name: Any = None, description: str | None = None) -> Any:
    """A tool: ``execute_tool {name}`` span with arguments and result, FluxLoop type ``tool``."""

    return _bare_or_factory(name, lambda n: observe(ObservationType.TOOL, n, description=description))


@overload
def prompt(name: F) -> F: ...
@overload
def prompt(name: str | None = None, model: str | None = None, capture_tokens: bool = True, provider: str | None = None) -> Callable[[F], F]: ...
def prompt(name: Any = None, model: str | None = None, capture_tokens: bool = True, provider: str | None = None) -> Any:
    """An LLM call: ``chat {model}`` span with model, messages and token usage, FluxLoop type ``generation``."""
    return _bare_or_factory(
        name,
        lambda n: observe(ObservationType.GENERATION, n, capture_tokens=capture_tokens, request_model=model, provider=provider),
    )


@overload
def retrieval(name: F) -> F: ...
@overload
def retrieval(name: str | None = None, data_source: str | None = None, top_k: int | None = None, metadata: Mapping[str, Any] | None = None) -> Callable[[F], F]: ...
def retrieval(name: Any = None, data_source: str | None = None, top_k: int | None = None, metadata: Mapping[str, Any] | None = None) -> Any:
    """A retrieval: ``retrieval {data source}`` span with query and documents, FluxLoop type ``retrieval``."""
    return _bare_or_factory(
        name, lambda n: observe(ObservationType.RETRIEVAL, n, metadata=metadata, data_source=data_source, top_k=top_k)
    )


@overload
def embedding(name: F) -> F: ...
@overload
def embedding(name: str | None = None, model: str | None = None, provider: str | None = None) -> Callable[[F], F]: ...
def embedding(name: Any = None, model: str | None = None, provider: str | None = None) -> Any:
    """An embedding call: ``embeddings {model}`` span with dimension count, FluxLoop type ``embedding``."""
    return _bare_or_factory(
        name, lambda n: observe(ObservationType.EMBEDDING, n, request_model=model, provider=provider)
    )


@overload
def trace(name: F) -> F: ...
@overload
def trace(
    name: str | None = None,
    observation_type: ObservationType | str = ObservationType.SPAN,
    metadata: Mapping[str, Any] | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[F], F]: ...
def trace(
    name: Any = None,
    observation_type: ObservationType | str = ObservationType.SPAN,
    metadata: Mapping[str, Any] | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Any:
    """Any observation type (``span`` by default); invalid types raise ``ValueError``."""
    kind = ObservationType.coerce(observation_type)
    return _bare_or_factory(
        name, lambda n: observe(kind, n, metadata=metadata, capture_input=capture_input, capture_output=capture_output)
    )
