"""Where spans go: FluxLoop JSONL files, OTLP, and converters between them."""
