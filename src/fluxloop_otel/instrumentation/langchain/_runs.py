"""The run-id -> span map of the callback handler: thread-safe, O(1), bounded.

LangChain reports a run's start and end with the same ``run_id``; between the two the
map holds the run's span and the context its children start in. Runs whose end never
arrives (a generator nobody closes) cannot make it grow without bound: past ``limit``
entries the oldest run is evicted and its span ended.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable

from opentelemetry.context import Context
from opentelemetry.trace import Span, set_span_in_context

#: Run kinds (what a run became).
CHAIN, AGENT, NODE, HIDDEN, LLM, TOOL, RETRIEVER = range(7)
#: A hidden LangGraph node (a ``create_agent`` middleware hook under ``hide_internal``): no span,
#: but an ``interrupt()`` it calls is still attributed to it.
HIDDEN_NODE = 7

DEFAULT_LIMIT = 10_000


class Run:
    """One LangChain run in flight: its span, and the context its children start in.

    A hidden run (internal plumbing) owns no span: ``span`` and ``context`` are those of
    its nearest visible ancestor, so its children keep their parentage.
    """

    __slots__ = (
        "span",
        "record",
        "kind",
        "owned",
        "started_ns",
        "first_token_ns",
        "chunks",
        "name",
        "awaiting_input",
        "watch",
        "_parent",
        "_context",
    )

    def __init__(self, span: Span, parent: Context, kind: int, name: str, owned: bool = True, record: Any = None) -> None:
        self.span = span
        #: The run's invocation record (``None`` for a hidden run).
        self.record = record
        self.kind = kind
        self.name = name
        self.owned = owned
        self.started_ns = 0
        self.first_token_ns = 0
        self.chunks = 0
        #: A streamed chain starts with a placeholder input; the real one comes with its end.
        self.awaiting_input = False
        #: Weak reference to LangChain's run manager: if it dies first, the end will never come.
        self.watch: Any = None
        self._parent = parent
        self._context: Context | None = None if owned else parent

    @property
    def context(self) -> Context:
        """The parent context with this run's span current (made on first use: leaves never need it)."""
        context = self._context
        if context is None:
            context = self._context = set_span_in_context(self.span, self._parent)
        return context


class RunMap(dict):  # type: ignore[type-arg]
    """``run_id -> Run``: a dict (``get``/``pop`` stay C calls on the hot path) whose inserts
    evict the oldest runs past ``limit``."""

    def __init__(self, limit: int = DEFAULT_LIMIT, on_evict: Callable[[Run], Any] | None = None) -> None:
        super().__init__()
        self.limit = max(int(limit), 1)
        self._lock = threading.Lock()
        self._on_evict = on_evict

    def add(self, run_id: Hashable, run: Run) -> None:
        self[run_id] = run
        if len(self) > self.limit:
            self.evict()

    def evict(self) -> None:
        """Drop the oldest runs until at most ``limit`` remain (their spans end)."""
        evicted: list[Run] = []
        with self._lock:
            while len(self) > self.limit:
                try:
                    oldest = next(iter(self))
                except (StopIteration, RuntimeError):  # emptied or resized by another thread
                    break
                run = self.pop(oldest, None)
                if run is not None:
                    evicted.append(run)
        if self._on_evict is not None:
            for run in evicted:
                self._on_evict(run)
