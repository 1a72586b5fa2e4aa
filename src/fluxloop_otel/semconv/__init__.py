"""Semantic conventions: attribute names and the per-observation-type mapping.

Three layers on every span (see docs/api.md "Attribute mapping"): OpenTelemetry GenAI
(``gen_ai.*``), OpenInference (``openinference.span.kind``, ``input.value``...) and the
FluxLoop marker ``fluxloop.observation.type``.
"""

from fluxloop_otel.semconv.observation_types import ObservationType, TypeSpec, spec_for

__all__ = ["ObservationType", "TypeSpec", "spec_for"]
