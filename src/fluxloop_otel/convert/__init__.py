"""``fluxloop-otel convert``: OTLP JSON files (a collector's file exporter) -> FluxLoop JSONL or an experiment directory."""
