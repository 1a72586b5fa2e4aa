"""fluxloop-otel: OpenTelemetry tracing for AI agents that keeps the FluxLoop workflow alive.

Port a FluxLoop SDK agent by changing one import line::

    import fluxloop_otel as fluxloop

    @fluxloop.agent()
    def run(input: str) -> str: ...

Spans follow the OpenTelemetry GenAI conventions and OpenInference; a span processor also
writes FluxLoop JSONL (``observations.jsonl`` / ``traces.jsonl``) for ``fluxloop parse`` and
``fluxloop evaluate``.
"""

from fluxloop_otel.config.dotenv import load_env
from fluxloop_otel.config.options import Settings
from fluxloop_otel.config.setup import configure, current_settings, force_flush, shutdown
from fluxloop_otel.config.signals import flush_on_sigterm
from fluxloop_otel.core.context import (
    TraceContext,
    event,
    get_current_context,
    record_score,
    set_model,
    set_usage,
)
from fluxloop_otel.core.decorators import agent, embedding, observe, prompt, retrieval, tool, trace
from fluxloop_otel.core.instrument import instrument
from fluxloop_otel.core.observation import ObservationData
from fluxloop_otel.core.recording import (
    disable_recording,
    enable_recording,
    record_call_args,
    set_recording_options,
)
from fluxloop_otel.core.scope import (
    suppress_tracing,
    using_attributes,
    using_metadata,
    using_session,
    using_tags,
    using_user,
)
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor
from fluxloop_otel.integrations import fluxloop_sdk as _fluxloop_sdk
from fluxloop_otel.sdk_compat import (
    FluxLoopClient,
    FluxLoopContext,
    ObservationLevel,
    ScoreDataType,
    TraceStatus,
    get_config,
    reset_config,
)
from fluxloop_otel.semconv.observation_types import ObservationType
from fluxloop_otel.telemetry.usage import TokenUsage
from fluxloop_otel.version import __version__

__all__ = [
    "ExperimentConfig",
    "FluxLoopClient",
    "FluxLoopContext",
    "FluxLoopJsonlSpanProcessor",
    "Observation",
    "ObservationLevel",
    "PersonaConfig",
    "RunnerConfig",
    "Score",
    "ScoreDataType",
    "Trace",
    "TraceStatus",
    "VariationStrategy",
    "ObservationData",
    "ObservationType",
    "Settings",
    "TokenUsage",
    "TraceContext",
    "__version__",
    "agent",
    "configure",
    "current_settings",
    "disable_recording",
    "embedding",
    "enable_recording",
    "event",
    "flush_on_sigterm",
    "force_flush",
    "get_config",
    "get_current_context",
    "instrument",
    "load_env",
    "observe",
    "prompt",
    "record_call_args",
    "reset_config",
    "retrieval",
    "set_model",
    "set_recording_options",
    "set_usage",
    "record_score",
    "shutdown",
    "tool",
    "suppress_tracing",
    "trace",
    "using_attributes",
    "using_metadata",
    "using_session",
    "using_tags",
    "using_user",
]



def __getattr__(name: str) -> object:
    """The FluxLoop SDK's pydantic models (``Trace``, ``ExperimentConfig``, ...), loaded on first use."""
    from fluxloop_otel.sdk_compat import LAZY_MODELS, load_model

    if name in LAZY_MODELS:
        value = load_model(name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fluxloop_otel' has no attribute {name!r}")


# Spans made inside a FluxLoop SDK instrument() block (fluxloop run experiment) join its trace.
_fluxloop_sdk.install()
