"""Every private API of OpenTelemetry, LangChain and LangGraph that fluxloop-otel relies on, in one place.

Each entry has a probe; ``tests/test_compat.py`` runs them, so an upgrade that moves or
removes one fails in our tests instead of silently in users' applications. Callers must
handle the "not available" answer (``None``) gracefully.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from opentelemetry import context as _context_api
from opentelemetry import trace as _trace_api
from opentelemetry.attributes import BoundedAttributes as _BoundedAttributes


def _runtime_context_detach() -> Callable[[Any], None]:
    """``_RUNTIME_CONTEXT.detach``: detaches without the error log ``context.detach`` writes
    for a token of another context (generators closed by the GC, other threads)."""
    runtime_context = getattr(_context_api, "_RUNTIME_CONTEXT", None)
    detach = getattr(runtime_context, "detach", None)
    return detach if callable(detach) else _context_api.detach


#: Quiet detach (see :func:`_runtime_context_detach`).
quiet_detach: Callable[[Any], None] = _runtime_context_detach()

#: (module, attribute) of LangChain's per-run context copy, wrapped for context propagation.
LANGCHAIN_SET_CONFIG_CONTEXT = ("langchain_core.runnables.config", "_set_config_context")
#: (module, attribute) of LangGraph's copy of the same helper.
LANGGRAPH_SET_CONFIG_CONTEXT = ("langgraph._internal._runnable", "_set_config_context")


#: LangGraph control-flow classes the LangChain instrumentation recognises by class name (no
#: LangGraph import needed): ``Command``/``Send`` outputs, ``ParentCommand`` (``args[0]``: the
#: ``Command``), ``GraphInterrupt`` (``args[0]``: the ``Interrupt`` objects).
LANGGRAPH_CONTROL_CLASSES = (
    ("langgraph.types", "Command"),
    ("langgraph.types", "Send"),
    ("langgraph.errors", "ParentCommand"),
    ("langgraph.errors", "GraphInterrupt"),
)


def _langgraph_control_classes() -> bool:
    for module, name in LANGGRAPH_CONTROL_CLASSES:
        cls = resolve(module, name)
        if cls is None or cls.__name__ != name or not cls.__module__.startswith("langgraph"):
            return False
    return True


#: (module, attribute) of the LangSmith ``traceable`` LangChain 1.x ``create_agent`` decorates
#: its ``wrap_*`` middleware hooks with (looked up in the module when an agent is built).
LANGCHAIN_AGENT_TRACEABLE = ("langchain.agents.factory", "traceable")


def _agent_traceable() -> bool:
    try:
        importlib.import_module(LANGCHAIN_AGENT_TRACEABLE[0])
    except ImportError:  # no LangChain 1.x: nothing relied on
        return True
    return callable(resolve(*LANGCHAIN_AGENT_TRACEABLE))


def resolve(module: str, attribute: str) -> Any:
    """``module.attribute`` (dotted attribute path) or ``None`` when it does not exist."""
    try:
        owner: Any = importlib.import_module(module)
        for part in attribute.split("."):
            owner = getattr(owner, part)
        return owner
    except (ImportError, AttributeError):
        return None


#: OpenTelemetry's suppression keys (``opentelemetry.instrumentation.utils`` checks them): read and
#: set by ``suppress_tracing()`` and the hot path; a fresh key (never set by anyone else) if moved.
SUPPRESS_INSTRUMENTATION_KEY: Any = getattr(_context_api, "_SUPPRESS_INSTRUMENTATION_KEY", None) or _context_api.create_key(
    "suppress_instrumentation"
)
SUPPRESS_HTTP_INSTRUMENTATION_KEY: Any = getattr(
    _context_api, "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", None
) or _context_api.create_key("suppress_http_instrumentation")
#: The context key of W3C baggage (read directly: ``baggage.get_all`` builds a mapping per call).
BAGGAGE_KEY: Any = resolve("opentelemetry.baggage", "_BAGGAGE_KEY")

def readable_span_fields(span: Any) -> tuple[Any, ...]:
    """``(trace_id, span_id, parent, name, start_time, end_time, attributes, status_code,
    status_description, events, scope_name)`` of a finished SDK span, read from its fields: the
    writer thread reads every span once, and each public property is a Python call (a
    ``SpanContext`` is a tuple: its ids are its first two items). ``attributes`` is the span's own
    dict (read it, never change it). Any other span type, or an SDK that moved a field: the
    public properties."""
    try:
        attributes = span._attributes
        status = span._status
        scope = span._instrumentation_scope
        context = span._context
        fields = (
            context[0], context[1], span._parent, span._name, span._start_time, span._end_time,
            attributes._dict if type(attributes) is _BoundedAttributes else attributes,
            status._status_code, status._description, span._events,
            scope._name if scope is not None else None,
        )
    except (AttributeError, TypeError, IndexError):
        fields = None
    if fields is None or (fields[6] is not None and type(fields[6]) is not dict):
        status = span.status
        scope = span.instrumentation_scope
        return (
            span.context.trace_id, span.context.span_id, span.parent, span.name, span.start_time, span.end_time, dict(span.attributes or {}),
            status.status_code, status.description, span.events, scope.name if scope is not None else None,
        )
    return fields


def _readable_span_fields_match() -> bool:
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider()
    span = provider.get_tracer("probe", "1").start_span("probe", attributes={"k": "v"})
    span.add_event("e", {"a": 1})
    span.set_status(_trace_api.Status(_trace_api.StatusCode.ERROR, "boom"))
    span.end()
    readable = span._readable_span()  # type: ignore[attr-defined]
    fast = readable_span_fields(readable)
    public = (
        readable.context.trace_id, readable.context.span_id, readable.parent, readable.name, readable.start_time, readable.end_time,
        dict(readable.attributes or {}), readable.status.status_code, readable.status.description,
        readable.events, readable.instrumentation_scope.name,
    )
    provider.shutdown()
    return fast[:9] == public[:9] and type(fast[6]) is dict and list(fast[9]) == list(public[9]) and fast[10] == public[10]


#: Name -> probe returning True when the private API is where we expect it.
PROBES: dict[str, Callable[[], bool]] = {
    "opentelemetry.context._SUPPRESS_INSTRUMENTATION_KEY": lambda: _suppression_keys_are_otels(),
    "opentelemetry.baggage._BAGGAGE_KEY": lambda: _baggage_key_is_otels(),
    "opentelemetry.context._RUNTIME_CONTEXT.detach": lambda: quiet_detach is not _context_api.detach,
    "langchain_core.runnables.config._set_config_context": lambda: callable(resolve(*LANGCHAIN_SET_CONFIG_CONTEXT)),
    "langgraph._internal._runnable._set_config_context": lambda: callable(resolve(*LANGGRAPH_SET_CONFIG_CONTEXT)),
    "langgraph control-flow classes (recognised by name)": _langgraph_control_classes,
    "langchain.agents.factory.traceable": _agent_traceable,
    "opentelemetry.sdk.trace.ReadableSpan fields (_context, _attributes._dict, _status, ...)": _readable_span_fields_match,
}


def _suppression_keys_are_otels() -> bool:
    from opentelemetry.instrumentation.utils import (
        is_http_instrumentation_enabled,
        is_instrumentation_enabled,
    )

    token = _context_api.attach(_context_api.set_value(SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        suppressed = not is_instrumentation_enabled()
    finally:
        _context_api.detach(token)
    token = _context_api.attach(_context_api.set_value(SUPPRESS_HTTP_INSTRUMENTATION_KEY, True))
    try:
        return suppressed and not is_http_instrumentation_enabled()
    finally:
        _context_api.detach(token)


def _baggage_key_is_otels() -> bool:
    from opentelemetry import baggage

    if BAGGAGE_KEY is None:
        return False
    entries: Any = baggage.set_baggage("k", "v").get(BAGGAGE_KEY)
    return bool(entries) and dict(entries) == {"k": "v"}
