"""Versions of the instrumented libraries (OpenTelemetry instrumentor convention).

LangGraph is patched too (its Pregel loop and config-context helper) when it is imported,
but it is not required: LangChain alone is instrumented without it.
"""

_instruments = ("langchain-core >= 0.3",)
#: Patched when present (``langgraph.pregel.main``, ``langgraph._internal._runnable``).
_instruments_optional = ("langgraph >= 0.3",)

_supports_metrics = False
