"""OTLP/JSON (what the Collector's ``file`` exporter writes) to and from spans.

* :mod:`.decode`: one JSON document (``TracesData`` / ``ExportTraceServiceRequest``) to
  :class:`~fluxloop_otel.export.fluxloop.records.SpanView` objects, with a precise message
  for every malformed span;
* :mod:`.encode`: SDK spans to one OTLP/JSON line (the official protobuf encoder plus the
  OTLP/JSON id rules), used to produce collector-shaped files in tests and benchmarks;
* :mod:`.lines`: JSON lines from plain or gzip files with numbers and bounded length.
"""

from fluxloop_otel.export.otlp_json.decode import DecodedSpan, MalformedSpan, decode_document
from fluxloop_otel.export.otlp_json.encode import encode_spans_json
from fluxloop_otel.export.otlp_json.lines import Line, read_lines

__all__ = ["DecodedSpan", "Line", "MalformedSpan", "decode_document", "encode_spans_json", "read_lines"]
