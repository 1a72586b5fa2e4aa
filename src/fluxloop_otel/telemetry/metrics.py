"""GenAI client metrics from the operations the emitter already traces.

:class:`GenAIMetrics` is driven by :meth:`Telemetry.stop <fluxloop_otel.telemetry.emitter.Telemetry.stop>`
and :meth:`~fluxloop_otel.telemetry.emitter.Telemetry.fail`, once per ended span that has a
GenAI operation (``chat``, ``text_completion``, ``execute_tool``, ``invoke_agent``,
``embeddings``, ``retrieval``, ``invoke_workflow``):

* ``gen_ai.client.operation.duration`` (s): ``gen_ai.operation.name``, ``gen_ai.request.model``,
  ``gen_ai.response.model``, ``gen_ai.provider.name``, ``error.type`` on failure;
* ``gen_ai.client.token.usage`` ({token}): the same plus ``gen_ai.token.type`` ``input``/``output``;
* streams: ``gen_ai.client.operation.time_to_first_chunk`` and
  ``gen_ai.client.operation.time_per_output_chunk`` (s). The emitter sees a stream's chunk
  count, not each chunk's time: every chunk after the first is recorded at the stream's mean
  time per chunk, so count and sum are exact and the distribution is the mean's.

Histograms use the GenAI specification's explicit bucket boundaries. Instruments come from
the ``meter_provider`` the :class:`Telemetry` is given; :func:`metrics_for` returns ``None``
when there is no usable MeterProvider (none given and only the API's no-op/proxy one
installed), and the emitter then does nothing more per call than one ``is None`` test.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry import metrics as metrics_api

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry.records import Invocation, LLMInvocation
from fluxloop_otel.telemetry.usage import TokenUsage
from fluxloop_otel.version import __version__

OPERATION_DURATION = "gen_ai.client.operation.duration"
TOKEN_USAGE = "gen_ai.client.token.usage"
TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
TIME_PER_OUTPUT_CHUNK = "gen_ai.client.operation.time_per_output_chunk"

#: Explicit bucket boundaries of the GenAI metrics specification.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
TIME_PER_CHUNK_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)

#: Span attributes copied onto every measurement (when the span has them).
_SHARED = (A.GEN_AI_OPERATION_NAME, A.GEN_AI_REQUEST_MODEL, A.GEN_AI_RESPONSE_MODEL, A.GEN_AI_PROVIDER_NAME)
#: At most this many per-chunk measurements per stream (the rest of a huge stream is summarised by the mean anyway).
MAX_CHUNK_RECORDS = 4096


def usable(meter_provider: Any) -> bool:
    """Whether ``meter_provider`` records anything (an SDK provider, or a proxy that has one behind it)."""
    if meter_provider is None or isinstance(meter_provider, metrics_api.NoOpMeterProvider):
        return False
    name = type(meter_provider).__name__
    if name == "_ProxyMeterProvider":
        return False
    return True


def metrics_for(meter_provider: Any = None) -> "GenAIMetrics | None":
    """Metrics on ``meter_provider`` (default: the global one), or None when nothing would record them."""
    if meter_provider is None:
        meter_provider = metrics_api.get_meter_provider()
    if not usable(meter_provider):
        return None
    return GenAIMetrics(meter_provider)


class GenAIMetrics:
    """The four GenAI client histograms on one meter."""

    __slots__ = ("provider", "duration", "tokens", "time_to_first_chunk", "time_per_chunk")

    def __init__(self, meter_provider: Any) -> None:
        self.provider = meter_provider
        meter = metrics_api.get_meter("fluxloop_otel", __version__, meter_provider, schema_url=A.SCHEMA_URL)
        self.duration = meter.create_histogram(
            OPERATION_DURATION, unit="s", description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            TOKEN_USAGE, unit="{token}", description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            TIME_TO_FIRST_CHUNK, unit="s", description="Time to receive the first chunk in a streaming operation.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.time_per_chunk = meter.create_histogram(
            TIME_PER_OUTPUT_CHUNK, unit="s", description="Time per output chunk, after the first one, in a streaming operation.",
            explicit_bucket_boundaries_advisory=TIME_PER_CHUNK_BUCKETS,
        )

    def record(self, inv: Invocation, span: Any, error_type: str | None = None) -> None:
        """Measurements of one ended span (``span`` must have ended)."""
        attributes: Mapping[str, Any] | None = getattr(span, "attributes", None)
        if not attributes:
            return
        operation = attributes.get(A.GEN_AI_OPERATION_NAME)
        if not operation:
            return
        common = {key: attributes[key] for key in _SHARED if key in attributes}
        if error_type is None and inv.error_message:
            error_type = attributes.get(A.ERROR_TYPE) or "_OTHER"
        if error_type:
            common[A.ERROR_TYPE] = error_type
        start, end = getattr(span, "start_time", None), getattr(span, "end_time", None)
        duration = (end - start) / 1e9 if start is not None and end is not None else None
        if duration is not None:
            self.duration.record(duration, common)
        usage = inv.usage if isinstance(inv, LLMInvocation) else None
        if usage is None:
            usage = _usage_from(attributes)
        if usage is not None:
            if usage.input_tokens is not None:
                self.tokens.record(usage.input_tokens, {**common, A.GEN_AI_TOKEN_TYPE: "input"})
            if usage.output_tokens is not None:
                self.tokens.record(usage.output_tokens, {**common, A.GEN_AI_TOKEN_TYPE: "output"})
        first = inv.time_to_first_chunk
        if first is not None:
            self.time_to_first_chunk.record(first, common)
            chunks = inv.chunks or 0
            if chunks > 1 and duration is not None and duration > first:
                mean = (duration - first) / (chunks - 1)
                record = self.time_per_chunk.record
                for _ in range(min(chunks - 1, MAX_CHUNK_RECORDS)):
                    record(mean, common)


def _usage_from(attributes: Mapping[str, Any]) -> TokenUsage | None:
    """Token counts set as span attributes (``set_usage()``, the push/pop API, foreign records)."""
    input_tokens = attributes.get(A.GEN_AI_USAGE_INPUT_TOKENS)
    output_tokens = attributes.get(A.GEN_AI_USAGE_OUTPUT_TOKENS)
    if input_tokens is None and output_tokens is None:
        return None
    return TokenUsage(input_tokens, output_tokens)


__all__ = [
    "DURATION_BUCKETS",
    "GenAIMetrics",
    "OPERATION_DURATION",
    "TIME_PER_CHUNK_BUCKETS",
    "TIME_PER_OUTPUT_CHUNK",
    "TIME_TO_FIRST_CHUNK",
    "TOKEN_BUCKETS",
    "TOKEN_USAGE",
    "metrics_for",
    "usable",
]
