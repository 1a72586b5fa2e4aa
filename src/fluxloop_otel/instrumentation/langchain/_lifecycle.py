"""LangGraph lifecycle events (interrupt, resume) and the links between a paused run and its resumption.

LangGraph reports its own lifecycle to ``langgraph.callbacks.GraphCallbackHandler`` instances
only: its graph callback manager keeps the handlers of the run's config that are graph
handlers and calls their ``on_interrupt(GraphInterruptEvent)`` /
``on_resume(GraphResumeEvent)``. The fluxloop-otel handler is made such a subclass
(:func:`graph_handler_class`) as soon as LangGraph is imported (importing it eagerly would
cost LangChain-only programs most of a second).

Order of events (LangGraph 1.x, sync and async alike)::

    paused run:   root start -> node start -> node error(GraphInterrupt) -> on_interrupt -> root end
    resumed run:  root start(Command(resume=...)) -> on_resume -> node start ... -> root end

so the interrupt is recorded on the paused root while it is still open, and the resumed
root gets its link before any child starts. :class:`InterruptBook` remembers, per thread
(and checkpoint namespace), the paused root's span context; and, per trace, which node
called ``interrupt()``. Both are bounded: a thread never resumed costs one small entry
until it is pushed out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Sequence

from opentelemetry.trace import Link, SpanContext

from fluxloop_otel.semconv import attributes as A

DEFAULT_LIMIT = 4096


class Paused:
    """A root run that ended paused on an interrupt: what a resumed run links to."""

    __slots__ = ("span_context", "checkpoint_id")

    def __init__(self, span_context: SpanContext, checkpoint_id: str | None) -> None:
        self.span_context = span_context
        self.checkpoint_id = checkpoint_id

    def link(self) -> Link:
        attributes = {A.LANGGRAPH_CHECKPOINT_ID: self.checkpoint_id} if self.checkpoint_id else None
        return Link(self.span_context, attributes)


class GraphRun:
    """A graph run on a thread, between its start and end."""

    __slots__ = ("key", "resumes", "interrupted")

    def __init__(self, key: tuple[str, str], resumes: Paused | None) -> None:
        self.key = key
        #: The paused root this run resumes (and links to).
        self.resumes = resumes
        self.interrupted = False


class _Bounded(OrderedDict):  # type: ignore[type-arg]
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: Hashable, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def thread_key(thread_id: Any, checkpoint_ns: Any = ()) -> tuple[str, str] | None:
    """The bookkeeping key of a graph run: its thread id and checkpoint namespace."""
    if thread_id is None or thread_id == "":
        return None
    if isinstance(checkpoint_ns, (tuple, list)):
        checkpoint_ns = "|".join(str(part) for part in checkpoint_ns)
    return str(thread_id), str(checkpoint_ns or "")


class InterruptBook:
    """Paused roots per (thread, namespace), nodes that called ``interrupt()`` per trace,
    thread of each open graph root. Thread-safe, bounded."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._lock = threading.Lock()
        self._paused = _Bounded(limit)
        self._nodes = _Bounded(limit)
        self._threads = _Bounded(limit)

    # -- graph runs with a thread ---------------------------------------------------------------
    def started(self, run_id: Hashable, key: tuple[str, str], resumes: Paused | None = None) -> None:
        """A graph run on a thread started (its lifecycle events name its run id); ``resumes``:
        the paused root it links to, if it was linked at its start."""
        with self._lock:
            self._threads.put(run_id, GraphRun(key, resumes))

    def open_graph_runs(self) -> int:
        return len(self._threads)

    def graph_run(self, run_id: Hashable) -> GraphRun | None:
        return self._threads.get(run_id)

    def ended(self, run_id: Hashable, completed: bool) -> None:
        """A graph run ended; if it resumed a paused root and ``completed`` (not paused again,
        not failed), that pause is answered: later runs on the thread do not link to it."""
        with self._lock:
            run = self._threads.pop(run_id, None)
            if run is not None and completed and run.resumes is not None and not run.interrupted:
                if self._paused.get(run.key) is run.resumes:
                    del self._paused[run.key]

    # -- nodes that called interrupt() ---------------------------------------------------------
    def node_interrupted(self, trace_id: int, error: BaseException, node: str) -> None:
        """A node run stopped on ``GraphInterrupt``: the innermost node (the first to report
        an interrupt id in a trace) is the one that called ``interrupt()``."""
        with self._lock:
            for interrupt in interrupts_of(error):
                key = (trace_id, getattr(interrupt, "id", None))
                if key not in self._nodes:
                    self._nodes.put(key, node)

    def nodes(self, trace_id: int, interrupts: Sequence[Any]) -> list[str]:
        """The nodes that raised ``interrupts`` in this trace (forgotten once read)."""
        found: list[str] = []
        with self._lock:
            for interrupt in interrupts:
                node = self._nodes.pop((trace_id, getattr(interrupt, "id", None)), None)
                if node is not None and node not in found:
                    found.append(node)
        return found

    # -- paused roots --------------------------------------------------------------------------
    def paused(self, key: tuple[str, str], span_context: SpanContext, checkpoint_id: str | None) -> None:
        with self._lock:
            self._paused.put(key, Paused(span_context, checkpoint_id))

    def paused_root(self, key: tuple[str, str] | None) -> Paused | None:
        """The paused root a run resuming ``key`` links to (kept until a run resuming it
        completes, so a failed resumption retried later links to it too)."""
        if key is None:
            return None
        return self._paused.get(key)


def interrupts_of(error: BaseException) -> Sequence[Any]:
    """The ``Interrupt`` objects a ``GraphInterrupt`` carries."""
    args = getattr(error, "args", None)
    if args and isinstance(args[0], (list, tuple)):
        return args[0]
    return ()


def is_resume_input(inputs: Any) -> bool:
    """Whether a graph's input resumes a paused run: ``Command(resume=...)``."""
    cls = type(inputs)
    return (
        cls.__name__ == "Command"
        and cls.__module__.startswith("langgraph")
        and getattr(inputs, "resume", None) is not None
    )


def one_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def interrupt_attributes(event: Any, nodes: list[str], content: Callable[[Any], str | None]) -> dict[str, Any]:
    """Attributes of a root run that paused: ``GraphInterruptEvent`` + the nodes that interrupted.
    ``content`` turns the interrupt value(s) into text under the content policy (``None``: not recorded)."""
    attributes: dict[str, Any] = {A.LANGGRAPH_INTERRUPTED: True}
    status = getattr(event, "status", None)
    if isinstance(status, str):
        attributes[A.LANGGRAPH_STATUS] = status
    checkpoint_id = getattr(event, "checkpoint_id", None)
    if isinstance(checkpoint_id, str) and checkpoint_id:
        attributes[A.LANGGRAPH_CHECKPOINT_ID] = checkpoint_id
    interrupts = list(getattr(event, "interrupts", None) or ())
    ids = [i.id for i in interrupts if isinstance(getattr(i, "id", None), str)]
    if ids:
        attributes[A.LANGGRAPH_INTERRUPT_ID] = one_or_list(ids)
    if nodes:
        attributes[A.LANGGRAPH_INTERRUPT_NODE] = one_or_list(nodes)
    if interrupts:
        value = content(one_or_list([getattr(i, "value", None) for i in interrupts]))
        if value is not None:
            attributes[A.LANGGRAPH_INTERRUPT_VALUE] = value
    return attributes


def resume_attributes(event: Any) -> dict[str, Any]:
    """Attributes of a root run that resumed from a checkpoint (``GraphResumeEvent``)."""
    attributes: dict[str, Any] = {A.LANGGRAPH_RESUMED: True}
    checkpoint_id = getattr(event, "checkpoint_id", None)
    if isinstance(checkpoint_id, str) and checkpoint_id:
        attributes[A.LANGGRAPH_CHECKPOINT_ID] = checkpoint_id
    return attributes


# -- GraphCallbackHandler -------------------------------------------------------------------------
_graph_classes: dict[type, type] = {}


def graph_handler_class(base: type) -> type:
    """``base`` as a ``langgraph.callbacks.GraphCallbackHandler`` subclass (``base`` itself when
    LangGraph, or its lifecycle callbacks, are not there). ``base`` defines ``on_interrupt`` and
    ``on_resume``; they come first in the MRO."""
    cls = _graph_classes.get(base)
    if cls is not None:
        return cls
    try:
        from langgraph.callbacks import GraphCallbackHandler
    except ImportError:  # LangGraph < 1.1: no lifecycle callbacks
        return base
    if issubclass(base, GraphCallbackHandler):
        return base
    cls = type(base.__name__, (base, GraphCallbackHandler), {"__module__": base.__module__})
    cls.__qualname__ = base.__qualname__
    _graph_classes[base] = cls
    return cls


def become_graph_handler(handler: Any) -> None:
    """Make ``handler`` (an instance made before LangGraph was imported) a graph handler."""
    cls = graph_handler_class(type(handler))
    if type(handler) is not cls:
        handler.__class__ = cls


__all__ = [
    "GraphRun",
    "InterruptBook",
    "Paused",
    "become_graph_handler",
    "graph_handler_class",
    "interrupt_attributes",
    "interrupts_of",
    "is_resume_input",
    "resume_attributes",
    "thread_key",
]
