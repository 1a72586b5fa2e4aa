"""LangGraph structure and control flow as span attributes.

* :func:`structure`: a compiled graph's nodes and edges as compact JSON (``langgraph.graph``),
  computed once per compiled graph (cached weakly: the graph can be collected).
* :func:`goto`: where a ``Command(goto=...)`` (returned by a node or a tool, or raised to the
  parent graph as ``ParentCommand``) or a list of ``Send`` sends execution
  (``langgraph.command.goto``: a node name, or a list of names).

Nothing here imports LangGraph: values are recognised by class name, so the module costs
nothing to programs that never import it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import jsontext

#: Longest ``langgraph.graph`` value kept (a huge generated graph is left out, not truncated).
MAX_STRUCTURE_CHARS = 32_000
_START, _END = "__start__", "__end__"

_structures: "weakref.WeakKeyDictionary[Any, str | None]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def structure(graph: Any) -> str | None:
    """``{"nodes": [...], "edges": [{"source", "target"[, "conditional"]}]}`` of a compiled
    graph as compact JSON, or ``None`` when it cannot be drawn.

    Computed once per compiled graph: cached on the graph's builder (the ``StateGraph``, shared
    by the copies ``with_config`` makes, as ``create_agent`` does) or on the graph itself.
    """
    key = getattr(graph, "builder", None)
    if key is None:
        key = graph
    try:
        with _lock:
            cached = _structures.get(key, _MISSING)
    except TypeError:  # not hashable / not weak-referenceable: compute, do not cache
        return _compute(graph)
    if cached is not _MISSING:
        return cached if isinstance(cached, str) else None
    value = _compute(graph)
    with _lock:
        try:
            _structures[key] = value
        except TypeError:
            pass
    return value


_MISSING = object()


def _compute(graph: Any) -> str | None:
    try:
        drawable = graph.get_graph()
        nodes = [node.name if isinstance(node.name, str) else str(key) for key, node in drawable.nodes.items()]
        names = {key: node.name for key, node in drawable.nodes.items()}
        edges: list[dict[str, Any]] = []
        for edge in drawable.edges:
            item: dict[str, Any] = {
                "source": names.get(edge.source, edge.source),
                "target": names.get(edge.target, edge.target),
            }
            if edge.conditional:
                item["conditional"] = True
            edges.append(item)
        text = jsontext.dumps({"nodes": nodes, "edges": edges})
    except Exception:  # a graph LangGraph cannot draw (or a foreign object): no structure
        return None
    return text if len(text) <= MAX_STRUCTURE_CHARS else None


def _target(value: Any) -> str | None:
    """A goto target: a node name, or the node of a ``Send``."""
    if type(value) is str:
        return value
    node = getattr(value, "node", None) if type(value).__name__ == "Send" else None
    return node if isinstance(node, str) else None


def _is_command(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "Command" and cls.__module__.startswith("langgraph")


def goto(value: Any) -> str | list[str] | None:
    """The ``langgraph.command.goto`` value of a run's output or error, if it routes anywhere.

    ``value`` is what a node or tool returned (a ``Command``, a list of ``Command``/``Send``),
    or the ``ParentCommand`` it raised to hand off to a node of the parent graph.
    """
    cls = type(value)
    if cls is dict or cls is str or value is None:  # the usual outputs: nothing to look at
        return None
    if cls.__name__ == "ParentCommand":
        args = getattr(value, "args", None)
        value = args[0] if args else None
        cls = type(value)
    targets: list[str] = []
    if _is_command(value):
        _add(targets, getattr(value, "goto", None))
    elif cls is list or cls is tuple:
        for item in value:
            if _is_command(item):
                _add(targets, getattr(item, "goto", None))
            elif type(item).__name__ == "Send":
                _add(targets, item)
            else:
                return None  # a plain list output, not routing
    else:
        return None
    if not targets:
        return None
    return targets[0] if len(targets) == 1 else targets


def _add(targets: list[str], goto_value: Any) -> None:
    if goto_value is None:
        return
    if type(goto_value) in (list, tuple):
        for item in goto_value:
            name = _target(item)
            if name is not None:
                targets.append(name)
    else:
        name = _target(goto_value)
        if name is not None:
            targets.append(name)


_PARENT = "__parent__"  # Command.PARENT


def to_parent(value: Any) -> bool:
    """Whether ``value`` hands control to the parent graph: a ``ParentCommand`` (what a node
    raises for ``Command(graph=Command.PARENT)``) or such a ``Command`` (what a tool returns)."""
    if type(value).__name__ == "ParentCommand":
        return True
    return _is_command(value) and getattr(value, "graph", None) == _PARENT


def command_attributes(value: Any) -> dict[str, Any] | None:
    """``langgraph.command.goto`` (and ``langgraph.command.parent``) of an output or error."""
    target = goto(value)
    if target is None:
        return None
    attributes: dict[str, Any] = {A.LANGGRAPH_COMMAND_GOTO: target}
    if to_parent(value):
        attributes[A.LANGGRAPH_COMMAND_PARENT] = True
    return attributes


__all__ = ["MAX_STRUCTURE_CHARS", "command_attributes", "goto", "structure", "to_parent"]
