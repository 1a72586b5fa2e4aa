"""Zero-code tracing of LangChain and LangGraph.

Usage
-----

.. code-block:: python

    from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor

    LangChainInstrumentor().instrument()                          # the global tracer provider
    LangChainInstrumentor().instrument(tracer_provider=provider)  # or this one

Like contrib instrumentors it takes everything through ``instrument(**kwargs)``: the tracer
provider, the content options of :mod:`fluxloop_otel.instrumentation._telemetry`
(``capture_content``, ``serializer`` or ``max_content_chars``/``mask_secrets``/``secret_keys``/``redact``)
and ``hide_internal_runnables`` (default: ``FLUXLOOP_LANGCHAIN_HIDE_INTERNAL``), which leaves
LangChain's plumbing runnables (sequences, lambdas, LangGraph channel writes) out of the trace,
re-parenting their children. It never configures fluxloop-otel, installs a provider or writes
files; ``fluxloop_otel.configure()`` calls ``instrument()`` with its settings when langchain-core
is importable (``instrument_langchain=False`` turns that off), and ``opentelemetry-instrument``
finds it through the ``opentelemetry_instrumentor`` entry point. Spans inside
``suppress_instrumentation()`` are not made.

Every callback manager gets exactly one fluxloop-otel callback handler (a wrapt wrapper of
``BaseCallbackManager.__init__``); chat models, LLMs, retrievers, the LangGraph loop and
LangChain's per-run context copy are wrapped so that spans started inside a component are
its children (see ``_propagation``); ``Embeddings`` methods are wrapped for ``embedding``
spans. ``uninstrument()`` unwraps all of it.
"""

from __future__ import annotations

from typing import Any, Callable, Collection

import wrapt
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.instrumentation.utils import unwrap

from fluxloop_otel._compat import (
    LANGCHAIN_AGENT_TRACEABLE,
    LANGCHAIN_SET_CONFIG_CONTEXT,
    LANGGRAPH_SET_CONFIG_CONTEXT,
)
from fluxloop_otel.config.options import setting_from_environment
from fluxloop_otel.instrumentation._telemetry import telemetry_from
from fluxloop_otel.instrumentation.langchain.package import _instruments

HIDE_INTERNAL_ENV = "FLUXLOOP_LANGCHAIN_HIDE_INTERNAL"

#: (module, attribute path, wrapper factory name) of the context-propagation patches.
_LANGCHAIN_SCOPES = (
    ("langchain_core.language_models.chat_models", "BaseChatModel.generate", "scoped_call"),
    ("langchain_core.language_models.chat_models", "BaseChatModel.agenerate", "scoped_coroutine"),
    ("langchain_core.language_models.chat_models", "BaseChatModel.stream", "scoped_iterator"),
    ("langchain_core.language_models.chat_models", "BaseChatModel.astream", "scoped_async_iterator"),
    ("langchain_core.language_models.llms", "BaseLLM.generate", "scoped_call"),
    ("langchain_core.language_models.llms", "BaseLLM.agenerate", "scoped_coroutine"),
    ("langchain_core.language_models.llms", "BaseLLM.stream", "scoped_iterator"),
    ("langchain_core.language_models.llms", "BaseLLM.astream", "scoped_async_iterator"),
    ("langchain_core.retrievers", "BaseRetriever.invoke", "scoped_call"),
    ("langchain_core.retrievers", "BaseRetriever.ainvoke", "scoped_coroutine"),
)
_LANGGRAPH_SCOPES = (
    ("langgraph.pregel.main", "Pregel.stream", "scoped_graph_iterator"),
    ("langgraph.pregel.main", "Pregel.astream", "scoped_graph_async_iterator"),
)
_AGENT_FACTORY = LANGCHAIN_AGENT_TRACEABLE
_CONFIG_CONTEXT = LANGCHAIN_SET_CONFIG_CONTEXT
_LANGGRAPH_CONFIG_CONTEXT = LANGGRAPH_SET_CONFIG_CONTEXT


class _BaseCallbackManagerInit:
    """wrapt wrapper of ``BaseCallbackManager.__init__``: add the handler once, inheritable."""

    __slots__ = ("_handler",)

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        wrapped(*args, **kwargs)
        # Managers are made, copied and merged many times per run, with their handler
        # lists: never add twice (identity checks in C: this runs ~25 times per chain call).
        handler = self._handler
        if handler in instance.inheritable_handlers or handler in instance.handlers:
            return
        instance.add_handler(handler, True)


class LangChainInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """OpenTelemetry instrumentor for LangChain and LangGraph (``fluxloop_langchain`` entry point)."""

    _handler: Any = None
    _config_hook: Any = None
    _embeddings: Any = None
    _wrapped: list[tuple[Any, str, bool]] = []
    _langgraph_pending = False
    _agents_pending = False

    @property
    def handler(self) -> Any:
        """The fluxloop-otel callback handler while instrumented (else ``None``)."""
        return self._handler

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        from fluxloop_otel.instrumentation.langchain import _content
        from fluxloop_otel.instrumentation.langchain._handler import FluxLoopCallbackHandler

        hide = kwargs.get("hide_internal_runnables")
        hide_plumbing = bool(setting_from_environment("langchain_hide_internal")) if hide is None else bool(hide)
        self._handler = FluxLoopCallbackHandler(telemetry_from(kwargs, __name__), hide_plumbing=hide_plumbing)
        self._wrapped = []
        _content.register_converters()
        self._instrument_callback_managers()
        self._instrument_context_propagation()
        self._instrument_embeddings()

    def _uninstrument(self, **kwargs: Any) -> None:
        from fluxloop_otel.instrumentation.langchain import _content

        self._uninstrument_embeddings()
        self._uninstrument_wrapped()  # context propagation and callback managers
        _content.unregister_converters()
        self._handler.enabled = False
        self._handler = self._config_hook = None

    # -- callback managers ------------------------------------------------------------------------
    def _instrument_callback_managers(self) -> None:
        from fluxloop_otel.instrumentation.langchain._handler import RunManagerWatch

        self._wrap(
            "langchain_core.callbacks.base",
            "BaseCallbackManager.__init__",
            _BaseCallbackManagerInit(self._handler),
        )
        self._wrap(
            "langchain_core.callbacks.manager", "AsyncRunManager.__init__", RunManagerWatch(self._handler)
        )

    # -- context propagation ----------------------------------------------------------------------
    def _instrument_context_propagation(self) -> None:
        from fluxloop_otel.instrumentation.langchain import _propagation

        self._config_hook = _propagation.ConfigContextHook(self._handler.runs)
        self._wrap(*_CONFIG_CONTEXT, self._config_hook)
        for module, name, wrapper in _LANGCHAIN_SCOPES:
            self._wrap(module, name, getattr(_propagation, wrapper))
        self._langgraph_pending = True
        wrapt.register_post_import_hook(self._instrument_langgraph, "langgraph.pregel.main")
        self._agents_pending = True
        wrapt.register_post_import_hook(self._instrument_agents, _AGENT_FACTORY[0])

    def _instrument_agents(self, module: Any) -> None:
        """Post-import hook for LangChain 1.x ``create_agent``: its ``wrap_*`` middleware hooks as steps."""
        from fluxloop_otel.instrumentation.langchain._middleware import TraceableHook

        if not self._agents_pending or self._handler is None:
            return
        self._agents_pending = False
        try:
            self._wrap(*_AGENT_FACTORY, TraceableHook(self._handler))
        except Exception:  # an unknown LangChain layout: the hooks stay untraced
            pass

    def _instrument_langgraph(self, module: Any) -> None:
        """Post-import hook (runs at once if LangGraph is already imported)."""
        from fluxloop_otel.instrumentation.langchain import _propagation

        if not self._langgraph_pending or self._config_hook is None:
            return
        self._langgraph_pending = False
        try:  # LangGraph sends its lifecycle events (interrupt, resume) to graph handlers only
            from fluxloop_otel.instrumentation.langchain._lifecycle import become_graph_handler

            become_graph_handler(self._handler)
        except Exception:
            pass
        try:
            self._wrap(*_LANGGRAPH_CONFIG_CONTEXT, self._config_hook)
            for module_name, name, wrapper in _LANGGRAPH_SCOPES:
                self._wrap(module_name, name, getattr(_propagation, wrapper))
        except Exception:  # an unknown LangGraph layout: parentage still holds, propagation is partial
            pass

    # -- embeddings -------------------------------------------------------------------------------
    def _instrument_embeddings(self) -> None:
        from fluxloop_otel.instrumentation.langchain._embeddings import EmbeddingsPatcher

        self._embeddings = EmbeddingsPatcher(self._handler)
        self._embeddings.patch()

    def _uninstrument_embeddings(self) -> None:
        if self._embeddings is not None:
            self._embeddings.unpatch()
            self._embeddings = None

    # -- helpers ----------------------------------------------------------------------------------
    def _wrap(self, module: str, name: str, wrapper: Any) -> None:
        import importlib

        owner: Any = importlib.import_module(module)
        path = name.split(".")
        for part in path[:-1]:
            owner = getattr(owner, part)
        inherited = isinstance(owner, type) and path[-1] not in owner.__dict__
        wrapt.wrap_function_wrapper(owner, path[-1], wrapper)
        self._wrapped.append((owner, path[-1], inherited))

    def _uninstrument_wrapped(self) -> None:
        self._langgraph_pending = self._agents_pending = False
        for owner, attribute, inherited in reversed(self._wrapped):
            if inherited:  # the wrapper shadowed an inherited method: remove it
                delattr(owner, attribute)
            else:
                unwrap(owner, attribute)
        self._wrapped = []


__all__ = ["LangChainInstrumentor", "HIDE_INTERNAL_ENV"]
