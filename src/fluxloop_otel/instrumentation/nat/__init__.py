"""Zero-code tracing of NVIDIA NeMo Agent Toolkit (NAT, formerly AgentIQ) workflows.

Usage
-----

.. code-block:: python

    from fluxloop_otel.instrumentation.nat import NatInstrumentor

    NatInstrumentor().instrument(tracer_provider=provider)

``fluxloop_otel.configure()`` does it for you when ``nvidia-nat-core`` is importable
(``instrument_nat=False`` / ``FLUXLOOP_INSTRUMENT_NAT=false`` turns it off) and
``opentelemetry-instrument`` finds it through the ``fluxloop_nat`` entry point.

What becomes a span (real OpenTelemetry spans in the Python provider, so user spans, httpx
spans and the LangChain instrumentation nest with them):

* a run, ``Runner.result`` / ``Runner.result_stream``: the workflow root (``invoke_workflow``);
* each ``Function.ainvoke`` / ``Function.astream`` call: the workflow's entry function is an
  ``agent``; functions configured as NAT agents are ``agent``; every other function is a
  ``tool`` with its name, description, input schema (JSON schema of its Pydantic input),
  input and output. A function called through NAT's LangChain tool wrapper is already the
  LangChain tool span: it is not recorded twice. Failures end with status ERROR;
* LLM calls come from the LangChain instrumentation (``generation`` spans with tokens).

A stream abandoned by its consumer ends its span and closes NAT's own generator.
``Runner.__aenter__`` is wrapped too: NAT restores the context variables saved at build time
there, OpenTelemetry's current context included; the caller's context is put back.

Nothing NAT-specific is imported here: the wrappers are applied when NAT's modules are.
"""

from __future__ import annotations

from typing import Any, Collection

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from fluxloop_otel.instrumentation._patching import Patches
from fluxloop_otel.instrumentation._telemetry import telemetry_from
from fluxloop_otel.instrumentation.nat.package import _instruments

_FUNCTION = "nat.builder.function"
_RUNNER = "nat.runtime.runner"


class NatInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """OpenTelemetry instrumentor for NVIDIA NeMo Agent Toolkit (``fluxloop_nat`` entry point)."""

    _patches: Patches | None = None
    _wrappers: Any = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        from fluxloop_otel.instrumentation.nat._patches import NatPatches

        telemetry = telemetry_from(kwargs, __name__)
        wrappers = self._wrappers = NatPatches(telemetry)
        patches = self._patches = Patches()
        patches.wrap(_FUNCTION, "Function.ainvoke", wrappers.function_ainvoke)
        patches.wrap(_FUNCTION, "Function.astream", wrappers.function_astream)
        patches.wrap(_RUNNER, "Runner.__aenter__", wrappers.runner_aenter)
        patches.wrap(_RUNNER, "Runner.result", wrappers.runner_result)
        patches.wrap(_RUNNER, "Runner.result_stream", wrappers.runner_result_stream)

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._patches is not None:
            self._patches.remove()
        if self._wrappers is not None:
            self._wrappers.enabled = False  # wrappers captured before unwrapping start nothing
        self._patches = self._wrappers = None


__all__ = ["NatInstrumentor"]
