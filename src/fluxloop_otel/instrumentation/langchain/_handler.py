"""``FluxLoopCallbackHandler``: LangChain run callbacks -> OpenTelemetry spans.

One handler serves every callback manager (the instrumentor adds it to each one). It is
synchronous and ``run_inline``, so async managers call it in the caller's task, where
the OTel context of the caller is visible. Each run kind's attributes come from its own
module (``_chains``, ``_chat``, ``_tools``, ``_retrievers``); this module only opens and
closes spans, links parents and records outcomes. Nothing it does can raise into the chain.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from typing import Any, Callable, Mapping, Sequence
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.trace import Status, StatusCode

from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.core.spans import record_error
from fluxloop_otel.instrumentation.langchain import _chains, _chat, _content, _graph, _retrievers, _tools
from fluxloop_otel.instrumentation.langchain._lifecycle import (
    InterruptBook,
    interrupt_attributes,
    is_resume_input,
    resume_attributes,
    thread_key,
)
from fluxloop_otel.instrumentation.langchain._propagation import RUN_KEY, claim_scope, unclaimed_graph
from fluxloop_otel.instrumentation.langchain._runs import (
    AGENT,
    CHAIN,
    HIDDEN,
    LLM,
    NODE,
    RETRIEVER,
    TOOL,
    Run,
    RunMap,
)
from fluxloop_otel.semconv import attributes as A

logger = logging.getLogger("fluxloop_otel.instrumentation.langchain")

_reported: set[str] = set()


def _report(callback: str, exc: Exception) -> None:
    """Log a failed callback once per callback name (the chain itself never sees it)."""
    if callback not in _reported:
        _reported.add(callback)
        logger.warning(
            "fluxloop-otel: LangChain %s callback failed (%r); tracing continues",
            callback,
            exc,
            exc_info=True,
        )


def _outcome(error: BaseException) -> str:
    """``error``, or why a run stopped without failing: interrupt, closed, cancelled, bubble."""
    if isinstance(error, GeneratorExit):
        return "closed"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    names = {cls.__name__ for cls in type(error).__mro__}
    if "GraphInterrupt" in names:
        return "interrupt"
    if "GraphBubbleUp" in names:  # LangGraph control flow (Command to a parent graph)
        return "bubble"
    return "error"


def end_evicted(run: Run) -> None:
    """End the span of a run the bounded map dropped (its end never arrived)."""
    if run.owned:
        run.span.set_attribute(A.FLUXLOOP_STREAM_END_REASON, "evicted")
        run.span.end()


class FluxLoopCallbackHandler(BaseCallbackHandler):
    """Turns LangChain runs into spans; one instance per instrumentor."""

    run_inline = True
    raise_error = False
    # Plain class attributes instead of the base class's properties: LangChain reads one per event.
    # (LangChain gates tool events by ``ignore_agent``.)
    ignore_llm = ignore_chain = ignore_agent = ignore_retriever = ignore_chat_model = False
    ignore_retry = ignore_custom_event = True  # nothing to record for these

    def __init__(
        self, tracer: trace_api.Tracer | None = None, hide_plumbing: bool = False, max_runs: int = 10_000
    ) -> None:
        super().__init__()
        #: A fixed tracer (``instrument(tracer_provider=...)``), else the active runtime's.
        self.tracer = tracer
        self.hide_plumbing = hide_plumbing
        self.runs = RunMap(max_runs, on_evict=end_evicted)
        #: Async run managers made before their run started (see :meth:`watch`).
        self._pending: dict[UUID, Any] = {}
        #: False once uninstrumented: managers made earlier keep the handler, which then starts nothing.
        self.enabled = True
        #: LangGraph human-in-the-loop bookkeeping (paused roots per thread, interrupted nodes).
        self.book = InterruptBook()

    # -- plumbing ---------------------------------------------------------------------------------
    def _runtime(self) -> _runtime.Runtime | None:
        if not self.enabled:
            return None
        rt = _runtime.current
        if rt is None:
            rt = _runtime.get()
        return rt if rt.enabled else None

    def _parent_context(self, parent_run_id: UUID | None) -> context_api.Context:
        """The parent run's context; the current one for roots and inside the parent's own scope."""
        current = context_api.get_current()
        if parent_run_id is None or current.get(RUN_KEY) == parent_run_id:
            return current  # the parent's span, or a span started inside it, is current
        parent = self.runs.get(parent_run_id)
        return parent.context if parent is not None else current

    def _open(
        self,
        rt: _runtime.Runtime,
        run_id: UUID,
        parent_run_id: UUID | None,
        kind: int,
        name: str,
        span_name: str,
        attributes: dict[str, Any],
        links: Any = None,
    ) -> Run:
        parent = self._parent_context(parent_run_id)
        span = (self.tracer or rt.tracer).start_span(
            span_name, context=parent, attributes=attributes, links=links
        )
        run = Run(span, parent, kind, name)
        if self._pending:
            run.watch = self._pending.pop(run_id, None)
        self.runs.add(run_id, run)
        claim_scope(run_id, run)
        return run

    def _close(self, run_id: UUID) -> tuple[Run | None, _runtime.Runtime]:
        run = self.runs.pop(run_id, None)
        rt = _runtime.current or _runtime.get()
        if run is not None and not run.owned:
            run = None
        return run, rt

    def watch(self, run_id: UUID, run_manager: Any) -> None:
        """Called when LangChain makes an async run manager. If the manager is collected while
        its run is still open (an async stream abandoned while its event loop shut down),
        LangChain will never report the end: the span is ended then ("abandoned").

        Async managers are made before or after the start callback depending on the run type,
        so a manager whose run has not started yet waits in ``_pending``.
        """
        reference = weakref.ref(run_manager, functools.partial(self._manager_died, run_id))
        run = self.runs.get(run_id)
        if run is not None:
            if run.watch is None:
                run.watch = reference
            return
        pending = self._pending
        if len(pending) >= self.runs.limit:
            pending.clear()
        pending[run_id] = reference

    def _manager_died(self, run_id: UUID, reference: Any) -> None:
        try:
            if self._pending.get(run_id) is reference:
                del self._pending[run_id]
                return
            run = self.runs.get(run_id)
            if (
                run is not None
                and run.watch is reference
                and self.runs.pop(run_id, None) is run
                and run.owned
            ):
                run.span.set_attribute(A.FLUXLOOP_STREAM_END_REASON, "abandoned")
                run.span.end()
        except Exception:  # a weakref callback: nothing may escape
            pass

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        run = self.runs.pop(run_id, None)
        if run is None or not run.owned:
            return
        span = run.span
        outcome = _outcome(error)
        if outcome == "error":
            record_error(span, error)
        elif outcome == "interrupt":
            span.set_attribute(A.LANGGRAPH_INTERRUPTED, True)
            span.add_event("langgraph.interrupt")
            if run.kind == NODE:
                self.book.node_interrupted(span.get_span_context().trace_id, error, run.name)
        elif outcome == "bubble":
            attributes = _graph.command_attributes(error)
            if attributes:
                span.set_attributes(attributes)
        elif outcome in ("closed", "cancelled"):
            span.set_attribute(A.FLUXLOOP_STREAM_END_REASON, outcome)
        if run.kind == AGENT:
            self.book.ended(run_id, completed=False)
        span.end()

    # -- chains, agents, LangGraph nodes -----------------------------------------------------------
    def on_chain_start(
        self,
        serialized: Mapping[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            rt = self._runtime()
            if rt is None:
                return
            name = _chains.run_name(serialized, kwargs, "chain")
            graph = unclaimed_graph()  # a compiled LangGraph graph's own run: an agent
            if graph is not None:
                kind = AGENT
            else:
                kind = _chains.chain_kind(name, tags, metadata, parent_run_id is not None, self.hide_plumbing)
            if kind == HIDDEN:
                parent = self._parent_context(parent_run_id)
                self.runs.add(
                    run_id, Run(trace_api.get_current_span(parent), parent, HIDDEN, name, owned=False)
                )
                return
            if kind == NODE and parent_run_id is not None:
                parent_run = self.runs.get(parent_run_id)
                if parent_run is not None and parent_run.owned and parent_run.kind == CHAIN:
                    parent_run.kind = AGENT
                    _chains.promote_to_agent(parent_run.span, parent_run.name, metadata)
            span_name, attributes = _chains.start_attributes(
                kind, name, inputs, tags, metadata, rt.serializer, rt.capture_content
            )
            if graph is None:
                run = self._open(rt, run_id, parent_run_id, kind, name, span_name, attributes)
            else:
                run = self._open_graph(rt, graph, run_id, parent_run_id, name, span_name, attributes, inputs, metadata)
            run.awaiting_input = _chains.is_placeholder(inputs)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_chain_start", exc)

    def _open_graph(
        self,
        rt: _runtime.Runtime,
        graph: Any,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        span_name: str,
        attributes: dict[str, Any],
        inputs: Any,
        metadata: Mapping[str, Any] | None,
    ) -> Run:
        """A LangGraph graph's run: its structure; on a thread, the link to the paused run it resumes."""
        structure = _graph.structure(graph)
        if structure is not None:
            attributes[A.LANGGRAPH_GRAPH] = structure
        key = thread_key(metadata.get("thread_id")) if metadata else None
        paused = self.book.paused_root(key) if key is not None and is_resume_input(inputs) else None
        run = self._open(
            rt, run_id, parent_run_id, AGENT, name, span_name, attributes,
            [paused.link()] if paused is not None else None,
        )
        if key is not None:
            self.book.started(run_id, key, paused)
        return run

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run, rt = self._close(run_id)
            if run is None:
                return
            try:
                attributes = _chains.end_attributes(
                    outputs, kwargs, rt.serializer, rt.capture_content, run.awaiting_input
                )
                if attributes:
                    run.span.set_attributes(attributes)
                command = _graph.command_attributes(outputs)
                if command:
                    run.span.set_attributes(command)
                if run.kind == AGENT:
                    self.book.ended(run_id, completed=True)
            finally:
                run.span.end()
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_chain_end", exc)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Any run that failed or stopped (the chain, LLM, tool and retriever error callbacks)."""
        try:
            self._fail(run_id, error)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_*_error", exc)

    on_llm_error = on_tool_error = on_retriever_error = on_chain_error

    # -- chat models and LLMs ---------------------------------------------------------------------
    def on_chat_model_start(
        self,
        serialized: Mapping[str, Any] | None,
        messages: Sequence[Sequence[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            self._start_generation(
                serialized,
                messages[0] if messages else [],
                run_id,
                parent_run_id,
                tags,
                metadata,
                kwargs,
                True,
            )
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_chat_model_start", exc)

    def on_llm_start(
        self,
        serialized: Mapping[str, Any] | None,
        prompts: Sequence[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            self._start_generation(serialized, prompts, run_id, parent_run_id, tags, metadata, kwargs, False)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_llm_start", exc)

    def _start_generation(
        self,
        serialized: Mapping[str, Any] | None,
        inputs: Sequence[Any],
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: Sequence[str] | None,
        metadata: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any],
        chat: bool,
    ) -> None:
        rt = self._runtime()
        if rt is None:
            return
        name = _chains.run_name(serialized, kwargs, "chat_model" if chat else "llm")
        span_name, attributes = _chat.start_attributes(
            name, serialized, inputs, kwargs, tags, metadata, rt.serializer, rt.capture_content, chat
        )
        run = self._open(rt, run_id, parent_run_id, LLM, name, span_name, attributes)
        run.started_ns = time.monotonic_ns()

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run = self.runs.get(run_id)
            if run is not None:
                if not run.first_token_ns:
                    run.first_token_ns = time.monotonic_ns()
                run.chunks += 1
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_llm_new_token", exc)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run, rt = self._close(run_id)
            if run is None:
                return
            try:
                run.span.set_attributes(
                    _chat.end_attributes(response, run, rt.serializer, rt.capture_content)
                )
            finally:
                run.span.end()
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_llm_end", exc)

    # -- tools ------------------------------------------------------------------------------------
    def on_tool_start(
        self,
        serialized: Mapping[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            rt = self._runtime()
            if rt is None:
                return
            name = _chains.run_name(serialized, kwargs, "tool")
            span_name, attributes = _tools.start_attributes(
                name, serialized, input_str, kwargs, tags, metadata, rt.serializer, rt.capture_content
            )
            self._open(rt, run_id, parent_run_id, TOOL, name, span_name, attributes)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_tool_start", exc)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run, rt = self._close(run_id)
            if run is None:
                return
            try:
                attributes, error = _tools.end_attributes(output, rt.serializer, rt.capture_content)
                run.span.set_attributes(attributes)
                command = _graph.command_attributes(output)
                if command:
                    run.span.set_attributes(command)
                if error is not None:
                    run.span.set_status(Status(StatusCode.ERROR, error))
            finally:
                run.span.end()
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_tool_end", exc)

    # -- retrievers -------------------------------------------------------------------------------
    def on_retriever_start(
        self,
        serialized: Mapping[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            rt = self._runtime()
            if rt is None:
                return
            name = _chains.run_name(serialized, kwargs, "retriever")
            span_name, attributes = _retrievers.start_attributes(
                name, query, tags, metadata, rt.serializer, rt.capture_content
            )
            self._open(rt, run_id, parent_run_id, RETRIEVER, name, span_name, attributes)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_retriever_start", exc)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run, rt = self._close(run_id)
            if run is None:
                return
            try:
                run.span.set_attributes(
                    _retrievers.end_attributes(documents, rt.serializer, rt.capture_content)
                )
            finally:
                run.span.end()
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_retriever_end", exc)


    # -- LangGraph lifecycle (``GraphCallbackHandler``) -------------------------------------------
    def on_interrupt(self, event: Any) -> None:
        """The graph paused (``GraphInterruptEvent``): recorded on its still-open root run."""
        try:
            run = self.runs.get(event.run_id) if event.run_id is not None else None
            rt = self._runtime()
            if run is None or not run.owned or rt is None:
                return
            span = run.span
            context = span.get_span_context()
            nodes = self.book.nodes(context.trace_id, event.interrupts)
            serializer = rt.serializer
            attributes = interrupt_attributes(
                event, nodes, rt.capture_content, lambda value: _content.dumps(value, serializer, "output")
            )
            span.set_attributes(attributes)
            span.add_event(
                "langgraph.interrupt",
                {k: v for k, v in attributes.items() if k != A.LANGGRAPH_INTERRUPTED},
            )
            graph_run = self.book.graph_run(event.run_id)
            if graph_run is not None:
                graph_run.interrupted = True
                key = thread_key(graph_run.key[0], event.checkpoint_ns)
                if key is not None:
                    self.book.paused(key, context, event.checkpoint_id)
        except Exception as exc:  # a tracing failure never reaches the graph
            _report("on_interrupt", exc)

    def on_resume(self, event: Any) -> None:
        """The graph resumed from a checkpoint (``GraphResumeEvent``), before any node ran."""
        try:
            run = self.runs.get(event.run_id) if event.run_id is not None else None
            if run is None or not run.owned or self._runtime() is None:
                return
            span = run.span
            span.set_attributes(resume_attributes(event))
            graph_run = self.book.graph_run(event.run_id)
            if graph_run is not None and graph_run.resumes is None:  # not linked at its start
                paused = self.book.paused_root(thread_key(graph_run.key[0], event.checkpoint_ns))
                if paused is not None:
                    graph_run.resumes = paused
                    link = paused.link()
                    span.add_link(link.context, link.attributes)
        except Exception as exc:  # a tracing failure never reaches the graph
            _report("on_resume", exc)


class RunManagerWatch:
    """wrapt wrapper of ``AsyncRunManager.__init__``: the handler watches each async run's manager."""

    __slots__ = ("_handler",)

    def __init__(self, handler: FluxLoopCallbackHandler) -> None:
        self._handler = handler

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        wrapped(*args, **kwargs)
        try:
            self._handler.watch(instance.run_id, instance)
        except Exception:
            pass


__all__ = ["FluxLoopCallbackHandler", "RunManagerWatch"]
