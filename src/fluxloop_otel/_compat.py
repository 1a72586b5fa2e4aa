"""Every private API of OpenTelemetry, LangChain and LangGraph that fluxloop-otel relies on, in one place.

Each entry has a probe; ``tests/test_compat.py`` runs them, so an upgrade that moves or
removes one fails in our tests instead of silently in users' applications. Callers must
handle the "not available" answer (``None``) gracefully.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from opentelemetry import context as _context_api


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


#: Name -> probe returning True when the private API is where we expect it.
PROBES: dict[str, Callable[[], bool]] = {
    "opentelemetry.context._RUNTIME_CONTEXT.detach": lambda: quiet_detach is not _context_api.detach,
    "langchain_core.runnables.config._set_config_context": lambda: callable(resolve(*LANGCHAIN_SET_CONFIG_CONTEXT)),
    "langgraph._internal._runnable._set_config_context": lambda: callable(resolve(*LANGGRAPH_SET_CONFIG_CONTEXT)),
    "langgraph control-flow classes (recognised by name)": _langgraph_control_classes,
    "langchain.agents.factory.traceable": _agent_traceable,
}
