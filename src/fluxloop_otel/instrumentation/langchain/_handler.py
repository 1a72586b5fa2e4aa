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

from fluxloop_otel._compat import SUPPRESS_INSTRUMENTATION_KEY
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
    HIDDEN_NODE,
    LLM,
    NODE,
    RETRIEVER,
    TOOL,
    Run,
    RunMap,
)
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import Invocation, Telemetry
from fluxloop_otel.telemetry.scope import current_scope, with_scope

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


def _add_end_attributes(record: Invocation, attributes: dict[str, Any] | None) -> None:
    if attributes:
        record.end_attributes = {**record.end_attributes, **attributes} if record.end_attributes else attributes


def _stop_with_reason(telemetry: Telemetry, run: Run, reason: str) -> None:
    if run.owned and run.record is not None:
        telemetry.stop(run.record, reason)


class FluxLoopCallbackHandler(BaseCallbackHandler):
    """Turns LangChain runs into spans; one instance per instrumentor."""

    run_inline = True
    raise_error = False
    # Plain class attributes instead of the base class's properties: LangChain reads one per event.
    # (LangChain gates tool events by ``ignore_agent``.)
    ignore_llm = ignore_chain = ignore_agent = ignore_retriever = ignore_chat_model = False
    ignore_retry = ignore_custom_event = True  # nothing to record for these

    def __init__(self, telemetry: Telemetry, hide_plumbing: bool = False, max_runs: int = 10_000) -> None:
        super().__init__()
        #: Where records go (built by the instrumentor from its ``instrument()`` options).
        self.telemetry = telemetry
        self.hide_plumbing = hide_plumbing
        self.runs = RunMap(max_runs, on_evict=self._evicted)
        #: Async run managers made before their run started (see :meth:`watch`).
        self._pending: dict[UUID, Any] = {}
        #: False once uninstrumented: managers made earlier keep the handler, which then starts nothing.
        self.enabled = True
        #: LangGraph human-in-the-loop bookkeeping (paused roots per thread, interrupted nodes).
        self.book = InterruptBook()

    # -- plumbing ---------------------------------------------------------------------------------
    def _active(self) -> bool:
        """Whether to trace now (instrumented, and not inside ``suppress_instrumentation``):
        ``is_instrumentation_enabled()``, its key read inline (``_compat`` probes that it is OpenTelemetry's)."""
        return self.enabled and not context_api.get_current().get(SUPPRESS_INSTRUMENTATION_KEY)

    def _evicted(self, run: Run) -> None:
        """End the span of a run the bounded map dropped (its end never arrived)."""
        _stop_with_reason(self.telemetry, run, "evicted")

    def _parent_context(self, parent_run_id: UUID | None) -> context_api.Context:
        """The parent run's context; the current one for roots and inside the parent's own scope."""
        current = context_api.get_current()
        if parent_run_id is None or current.get(RUN_KEY) == parent_run_id:
            return current  # the parent's span, or a span started inside it, is current
        parent = self.runs.get(parent_run_id)
        return parent.context if parent is not None else current

    def _open(self, run_id: UUID, parent_run_id: UUID | None, kind: int, record: Invocation) -> Run:
        parent = self._parent_context(parent_run_id)
        if record.session_id or record.user_id:  # a thread id: every span started inside the run carries it
            scope = current_scope(parent)
            if scope is None or scope.session_id != record.session_id or scope.user_id != record.user_id:
                parent = with_scope(parent, session_id=record.session_id, user_id=record.user_id)
        span = self.telemetry.start(record, context=parent)
        run = Run(span, parent, kind, record.name, record=record)
        if self._pending:
            run.watch = self._pending.pop(run_id, None)
        self.runs.add(run_id, run)
        claim_scope(run_id, run)
        return run

    def _close(self, run_id: UUID) -> Run | None:
        run: Run | None = self.runs.pop(run_id, None)
        if run is not None and (not run.owned or run.record is None):
            return None
        return run

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
            ):
                _stop_with_reason(self.telemetry, run, "abandoned")
        except Exception:  # a weakref callback: nothing may escape
            pass

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        run: Run | None = self.runs.pop(run_id, None)
        if run is None:
            return
        outcome = _outcome(error)
        if not run.owned or run.record is None:
            if run.kind == HIDDEN_NODE and outcome == "interrupt":  # the node that called interrupt()
                self.book.node_interrupted(run.span.get_span_context().trace_id, error, run.name)
            return
        record = run.record
        if run.kind == AGENT:
            self.book.ended(run_id, completed=False)
        if outcome == "error":
            self.telemetry.fail(record, error)
        elif outcome == "interrupt":
            record.end_attributes = {A.LANGGRAPH_INTERRUPTED: True}
            self.telemetry.note(record, "langgraph.interrupt")
            if run.kind == NODE and run.span is not None:
                self.book.node_interrupted(run.span.get_span_context().trace_id, error, run.name)
            self.telemetry.stop(record)
        else:
            if outcome == "bubble":  # Command(graph=Command.PARENT): a handoff to the parent graph
                _add_end_attributes(record, _graph.command_attributes(error))
            self.telemetry.stop(record, outcome if outcome in ("closed", "cancelled") else None)

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
            if not self._active():
                return
            name = _chains.run_name(serialized, kwargs, "chain")
            graph = unclaimed_graph()  # a compiled LangGraph graph's own run: an agent
            if graph is not None:
                kind = AGENT
            else:
                kind = _chains.chain_kind(name, tags, metadata, parent_run_id is not None, self.hide_plumbing)
            if kind == HIDDEN:
                parent = self._parent_context(parent_run_id)
                hidden = HIDDEN_NODE if _chains.is_graph_step(tags) else HIDDEN
                self.runs.add(run_id, Run(trace_api.get_current_span(parent), parent, hidden, name, owned=False))
                return
            if kind == NODE and parent_run_id is not None:
                graph_run = self.runs.get(parent_run_id)
                if graph_run is not None and graph_run.owned and graph_run.kind == CHAIN and graph_run.record is not None:
                    graph_run.kind = AGENT
                    graph_run.record = self.telemetry.promote_to_agent(graph_run.record, _content.session_id(metadata))
            record = _chains.start_record(kind, name, inputs, tags, metadata)
            key = None
            if graph is not None:
                key, paused = self._graph_start(graph, record, inputs, metadata)
            run = self._open(run_id, parent_run_id, kind, record)
            if key is not None:
                self.book.started(run_id, key, paused)
            run.awaiting_input = _chains.is_placeholder(inputs)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_chain_start", exc)

    def _graph_start(
        self, graph: Any, record: Invocation, inputs: Any, metadata: Mapping[str, Any] | None
    ) -> tuple[tuple[str, str] | None, Any]:
        """A LangGraph graph's run: its structure; on a thread, the link to the paused run it resumes."""
        structure = _graph.structure(graph)
        if structure is not None:
            record.attributes = {**(record.attributes or {}), A.LANGGRAPH_GRAPH: structure}
        key = thread_key(metadata.get("thread_id")) if metadata else None
        paused = self.book.paused_root(key) if key is not None and is_resume_input(inputs) else None
        if paused is not None:
            record.links = (paused.link(),)
        return key, paused

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run = self._close(run_id)
            if run is None:
                return
            record = run.record
            record.output = outputs
            if run.awaiting_input:
                inputs = kwargs.get("inputs")
                if inputs is not None and not _chains.is_placeholder(inputs):
                    record.late_input = inputs
            if type(outputs) is not dict:  # a Command or a list of Send: where it routes
                _add_end_attributes(record, _graph.command_attributes(outputs))
            if run.kind == AGENT:
                self.book.ended(run_id, completed=True)
            self.telemetry.stop(record)
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
        if not self._active():
            return
        name = _chains.run_name(serialized, kwargs, "chat_model" if chat else "llm")
        record = _chat.start_record(name, serialized, inputs, kwargs, tags, metadata, chat)
        run = self._open(run_id, parent_run_id, LLM, record)
        run.started_ns = time.monotonic_ns()

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **kwargs: Any) -> None:
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
            run = self._close(run_id)
            if run is None:
                return
            record = run.record
            try:
                _chat.finish_record(record, response)
                if run.first_token_ns:
                    record.time_to_first_chunk = (run.first_token_ns - run.started_ns) / 1e9
                    record.chunks = run.chunks
            finally:
                self.telemetry.stop(record)
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
            if not self._active():
                return
            name = _chains.run_name(serialized, kwargs, "tool")
            record = _tools.start_record(name, serialized, input_str, kwargs, tags, metadata)
            self._open(run_id, parent_run_id, TOOL, record)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_tool_start", exc)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run = self._close(run_id)
            if run is None:
                return
            try:
                _tools.finish_record(run.record, output)
                _add_end_attributes(run.record, _graph.command_attributes(output))  # a handoff tool's Command
            finally:
                self.telemetry.stop(run.record)
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
            if not self._active():
                return
            name = _chains.run_name(serialized, kwargs, "retriever")
            self._open(run_id, parent_run_id, RETRIEVER, _retrievers.start_record(name, query, tags, metadata))
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_retriever_start", exc)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        try:
            run = self._close(run_id)
            if run is None:
                return
            run.record.documents = documents
            self.telemetry.stop(run.record)
        except Exception as exc:  # a tracing failure never reaches the chain
            _report("on_retriever_end", exc)

    # -- LangGraph lifecycle (``GraphCallbackHandler``) -------------------------------------------
    def on_interrupt(self, event: Any) -> None:
        """The graph paused (``GraphInterruptEvent``): recorded on its still-open root run, which
        becomes what a run resuming this thread links to."""
        try:
            run = self.runs.get(event.run_id) if event.run_id is not None else None
            if run is None or not run.owned or run.record is None or run.span is None or not self._active():
                return
            telemetry = self.telemetry
            context = run.span.get_span_context()
            nodes = self.book.nodes(context.trace_id, event.interrupts)
            attributes = interrupt_attributes(event, nodes, telemetry.content)
            telemetry.update(run.record, attributes)
            telemetry.note(
                run.record,
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
            if run is None or not run.owned or run.record is None or not self._active():
                return
            self.telemetry.update(run.record, resume_attributes(event))
            graph_run = self.book.graph_run(event.run_id)
            if graph_run is not None and graph_run.resumes is None:  # not linked at its start
                paused = self.book.paused_root(thread_key(graph_run.key[0], event.checkpoint_ns))
                if paused is not None:
                    graph_run.resumes = paused
                    self.telemetry.add_link(run.record, paused.link())
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
