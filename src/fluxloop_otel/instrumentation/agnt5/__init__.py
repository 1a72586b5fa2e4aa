"""Zero-code tracing of AGNT5 agents, tools, workflow steps and functions.

Usage
-----

.. code-block:: python

    from fluxloop_otel.instrumentation.agnt5 import Agnt5Instrumentor

    Agnt5Instrumentor().instrument(tracer_provider=provider)   # before your modules import agnt5's decorators

``fluxloop_otel.configure()`` does it for you when ``agnt5`` is importable
(``instrument_agnt5=False`` / ``FLUXLOOP_INSTRUMENT_AGNT5=false`` turns it off) and
``opentelemetry-instrument`` finds it through the ``fluxloop_agnt5`` entry point.

AGNT5's own tracer lives in its Rust core with its own context and exports nothing from a
local run; these spans are plain OpenTelemetry spans in the Python provider:

* ``Agent.run`` / ``Agent.stream``: ``agent`` (one span: ``run`` drives ``stream``);
* ``Agent._call_model_generate``, ``Agent._stream_lm_call``, ``LMClient.generate`` / ``stream``:
  ``generation`` with model, provider, request parameters, messages, output (text and tool
  calls), finish reason and token usage (one span: the agent's call wraps the client's);
* ``Tool._invoke``: ``tool`` with name, description, parameter schema, arguments, result and
  the model's ``tool_call_id``;
* ``WorkflowContext.step``: one span per step, typed by what it runs (an agent's method:
  ``agent``; a tool: ``tool``; a ``@function``, a callable or an awaitable: ``chain``);
* a direct call of a ``@function``: ``chain``; of a ``@workflow``: the workflow root its steps
  nest under. Both decorators build closures, so the decorators themselves are wrapped:
  functions decorated after instrumentation are traced;
* sync ``@tool`` / ``@function`` bodies run in AGNT5's thread pool inside the caller's context,
  so spans started there nest under the tool.
"""

from __future__ import annotations

from typing import Any, Collection

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from fluxloop_otel.instrumentation._patching import Patches
from fluxloop_otel.instrumentation._telemetry import telemetry_from
from fluxloop_otel.instrumentation.agnt5.package import _instruments


class Agnt5Instrumentor(BaseInstrumentor):  # type: ignore[misc]
    """OpenTelemetry instrumentor for AGNT5 (``fluxloop_agnt5`` entry point)."""

    _patches: Patches | None = None
    _wrappers: Any = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        from fluxloop_otel.instrumentation.agnt5._patches import Agnt5Patches

        telemetry = telemetry_from(kwargs, __name__)
        w = self._wrappers = Agnt5Patches.active = Agnt5Patches(telemetry)
        patches = self._patches = Patches()
        patches.wrap("agnt5.agent.core", "Agent.run", w.agent_run)
        patches.wrap("agnt5.agent.core", "Agent.stream", w.agent_stream)
        patches.wrap("agnt5.agent.core", "Agent._call_model_generate", w.agent_generate)
        patches.wrap("agnt5.agent.core", "Agent._stream_lm_call", w.agent_stream_lm)
        patches.wrap("agnt5.lm.client", "LMClient.generate", w.agent_generate)
        patches.wrap("agnt5.lm.client", "LMClient.stream", w.agent_stream_lm)
        patches.wrap("agnt5.tool", "Tool._invoke", w.tool_invoke)
        patches.wrap("agnt5.workflow", "WorkflowContext.step", w.workflow_step)
        # The decorators, where user modules find them: the module attribute and the package's.
        patches.wrap("agnt5.function", "function", w.function_decorator)
        patches.wrap("agnt5.tool", "tool", w.tool_decorator)
        patches.wrap("agnt5.workflow", "workflow", w.workflow_decorator)
        patches.wrap("agnt5", "function", w.function_decorator, unless_wrapped=True)
        patches.wrap("agnt5", "workflow", w.workflow_decorator, unless_wrapped=True)
        patches.wrap("agnt5", "tool", w.tool_decorator, unless_wrapped=True)

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._patches is not None:
            self._patches.remove()
        if self._wrappers is not None:
            self._wrappers.enabled = False  # wrappers captured before unwrapping start nothing
        from fluxloop_otel.instrumentation.agnt5._patches import Agnt5Patches

        Agnt5Patches.active = None  # functions decorated while instrumented: no span
        self._patches = self._wrappers = None


__all__ = ["Agnt5Instrumentor"]
