"""``@agent @tool @prompt @retrieval @embedding @trace``: one wrapt mechanism, the
observation type as data.

Each decorated callable gets a :class:`CallPlan` (built once: span name, static
attributes, argument binder); each call walks start -> call -> finish with no I/O.
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
from fluxloop_otel.core import spans
from fluxloop_otel.core.arguments import ArgumentBinder
from fluxloop_otel.core.streams import trace_async_generator, trace_generator
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv import mapping
from fluxloop_otel.semconv.observation_types import ObservationType, TypeSpec, spec_for

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


class CallPlan:
    """Everything about a decorated callable that does not change between calls, and the
    two steps of a call: :meth:`start` (span with input) and :meth:`finish` (output, end)."""

    __slots__ = (
        "observation_type",
        "spec",
        "name",
        "span_name",
        "static_attributes",
        "capture_input",
        "capture_output",
        "capture_tokens",
        "kind",
        "_func",
        "_binders",
        "_reads_arguments",
        "_reads_result",
        "_is_tool",
    )

    def __init__(
        self,
        func: Any,
        spec: TypeSpec,
        name: str | None,
        *,
        metadata: Mapping[str, Any] | None,
        capture_input: bool,
        capture_output: bool,
        capture_tokens: bool,
        detail: str | None,
        extra_attributes: Mapping[str, Any],
    ) -> None:
        self._func = func
        self.spec = spec
        self.observation_type = spec.type
        self.name = name or _default_name(func)
        self.span_name = spec.span_name(self.name, detail)
        self.capture_input = capture_input
        self.capture_output = capture_output
        self.capture_tokens = capture_tokens
        self.kind = _call_kind(func)
        self._binders: dict[bool, ArgumentBinder] = {}
        attributes: dict[str, Any] = spec.static_attributes(self.name)
        # The record builder reads agent/tool names from gen_ai.* names: skip the duplicate.
        if spec.name_attributes:
            attributes.pop(A.FLUXLOOP_OBSERVATION_NAME, None)
        if metadata:
            attributes[A.METADATA] = json.dumps(metadata, default=str)
        attributes.update({k: v for k, v in extra_attributes.items() if v is not None})
        if spec.type is ObservationType.TOOL:
            attributes[A.TOOL_PARAMETERS] = _parameters_schema(self.binder(False), func)
        self.static_attributes = attributes
        self._is_tool = spec.type is ObservationType.TOOL
        self._reads_arguments = spec.type in (ObservationType.GENERATION, ObservationType.RETRIEVAL)
        self._reads_result = spec.type in spans.TYPES_READING_RESULTS

    def binder(self, bound_call: bool) -> ArgumentBinder:
        binder = self._binders.get(bound_call)
        if binder is None:
            binder = self._binders[bound_call] = ArgumentBinder(_underlying(self._func), skip_first=bound_call)
        return binder

    def start_attributes(
        self, rt: _runtime.Runtime, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """Span name and start attributes (static ones plus the captured input) of one call."""
        capture = self.capture_input and rt.capture_content
        if not capture and not self._reads_arguments:
            return self.span_name, self.static_attributes
        binder = self._binders.get(instance is not None) or self.binder(instance is not None)
        bound = binder.bind(args, kwargs)
        if capture:
            text = rt.serializer.dumps(bound, "input")
            attributes = {**self.static_attributes, A.INPUT_VALUE: text, A.INPUT_MIME_TYPE: A.MIME_JSON}
            if self._is_tool:
                attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = text
        else:
            attributes = dict(self.static_attributes)
        name = self.span_name
        if self._reads_arguments:
            attributes.update(mapping.input_attributes(self.observation_type, bound, rt.serializer, capture))
            model = attributes.get(A.GEN_AI_REQUEST_MODEL)
            if model and A.GEN_AI_REQUEST_MODEL not in self.static_attributes:
                name = self.spec.span_name(self.name, model)
        return name, attributes

    def start(self, rt: _runtime.Runtime, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Start this call's span (a child of the current span, or a new trace)."""
        if not self._reads_arguments and self.capture_input and rt.capture_content:  # the common case
            binder = self._binders.get(instance is not None) or self.binder(instance is not None)
            text = rt.serializer.dumps(binder.bind(args, kwargs), "input")
            attributes = {**self.static_attributes, A.INPUT_VALUE: text, A.INPUT_MIME_TYPE: A.MIME_JSON}
            if self._is_tool:
                attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = text
            return rt.tracer.start_span(self.span_name, attributes=attributes)
        name, attributes = self.start_attributes(rt, instance, args, kwargs)
        return rt.tracer.start_span(name, attributes=attributes)

    def finish(self, rt: _runtime.Runtime, span: Any, result: Any) -> None:
        """Record the return value and end the span."""
        if self._reads_result:
            attributes = spans.output_attributes(rt, self.observation_type, result, self.capture_output, self.capture_tokens)
            if attributes:
                span.set_attributes(attributes)
        elif result is not None and self.capture_output and rt.capture_content:
            if type(result) is str:
                value = rt.serializer.text(result)
                if not self._is_tool:  # one attribute: set_attribute is the cheaper SDK call
                    span.set_attribute(A.OUTPUT_VALUE, value)
                    span.end()
                    return
                attributes = {A.OUTPUT_VALUE: value, A.GEN_AI_TOOL_CALL_RESULT: value}
            else:
                value = rt.serializer.dumps(result, "output")
                attributes = {A.OUTPUT_VALUE: value, A.OUTPUT_MIME_TYPE: A.MIME_JSON}
                if self._is_tool:
                    attributes[A.GEN_AI_TOOL_CALL_RESULT] = value
            span.set_attributes(attributes)
        span.end()


_attach = context_api.attach
_span_context = trace_api.set_span_in_context
_detach = spans.safe_detach


def observation_wrapper(plan: CallPlan) -> Callable[..., Any]:
    """The wrapt wrapper body shared by all decorators (a closure: the cheapest call for wrapt)."""
    start, finish, kind = plan.start, plan.finish, plan.kind
    get_runtime = _runtime.get
    record_error = spans.record_error

    async def call_async(rt: _runtime.Runtime, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        span = start(rt, instance, args, kwargs)
        token = _attach(_span_context(span))
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            _detach(token)
            record_error(span, exc)
            span.end()
            raise
        _detach(token)
        finish(rt, span, result)
        return result

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        rt = _runtime.current or get_runtime()
        if not rt.enabled:
            return wrapped(*args, **kwargs)
        if kind != _SYNC:
            if kind == _ASYNC:
                return call_async(rt, wrapped, instance, args, kwargs)
            if kind == _GENERATOR:
                return trace_generator(rt, plan, wrapped(*args, **kwargs), instance, args, kwargs)
            return trace_async_generator(rt, plan, wrapped(*args, **kwargs), instance, args, kwargs)
        span = start(rt, instance, args, kwargs)
        token = _attach(_span_context(span))
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            _detach(token)
            record_error(span, exc)
            span.end()
            raise
        _detach(token)
        finish(rt, span, result)
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
    detail: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Callable[[F], F]:
    """Decorator factory behind every public decorator (``observation_type`` as data)."""
    spec = spec_for(observation_type)

    def decorate(func: F) -> F:
        if not callable(func) and not isinstance(func, (classmethod, staticmethod)):
            raise TypeError(f"@{spec.type.value} can only decorate callables, got {type(func).__name__}")
        plan = CallPlan(
            func,
            spec,
            name,
            metadata=metadata,
            capture_input=capture_input,
            capture_output=capture_output,
            capture_tokens=capture_tokens,
            detail=detail,
            extra_attributes=attributes or {},
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

    def factory(n: str | None) -> Callable[[F], F]:
        return observe(ObservationType.TOOL, n, attributes={A.GEN_AI_TOOL_DESCRIPTION: description, A.TOOL_DESCRIPTION: description})

    return _bare_or_factory(name, factory)


@overload
def prompt(name: F) -> F: ...
@overload
def prompt(name: str | None = None, model: str | None = None, capture_tokens: bool = True, provider: str | None = None) -> Callable[[F], F]: ...
def prompt(name: Any = None, model: str | None = None, capture_tokens: bool = True, provider: str | None = None) -> Any:
    """An LLM call: ``chat {model}`` span with model, messages and token usage, FluxLoop type ``generation``."""
    extra = mapping.model_attributes(model, provider) if model else ({A.GEN_AI_PROVIDER_NAME: provider} if provider else {})
    return _bare_or_factory(
        name, lambda n: observe(ObservationType.GENERATION, n, capture_tokens=capture_tokens, detail=model, attributes=extra)
    )


@overload
def retrieval(name: F) -> F: ...
@overload
def retrieval(name: str | None = None, data_source: str | None = None, top_k: int | None = None, metadata: Mapping[str, Any] | None = None) -> Callable[[F], F]: ...
def retrieval(name: Any = None, data_source: str | None = None, top_k: int | None = None, metadata: Mapping[str, Any] | None = None) -> Any:
    """A retrieval: ``retrieval {data source}`` span with query and documents, FluxLoop type ``retrieval``."""
    extra = {A.GEN_AI_DATA_SOURCE_ID: data_source, A.GEN_AI_REQUEST_TOP_K: top_k}
    return _bare_or_factory(name, lambda n: observe(ObservationType.RETRIEVAL, n, metadata=metadata, detail=data_source, attributes=extra))


@overload
def embedding(name: F) -> F: ...
@overload
def embedding(name: str | None = None, model: str | None = None, provider: str | None = None) -> Callable[[F], F]: ...
def embedding(name: Any = None, model: str | None = None, provider: str | None = None) -> Any:
    """An embedding call: ``embeddings {model}`` span with dimension count, FluxLoop type ``embedding``."""
    extra: dict[str, Any] = {}
    if model:
        extra = {A.GEN_AI_REQUEST_MODEL: model, A.EMBEDDING_MODEL_NAME: model}
    if provider:
        extra[A.GEN_AI_PROVIDER_NAME] = provider
    return _bare_or_factory(name, lambda n: observe(ObservationType.EMBEDDING, n, detail=model, attributes=extra))


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
