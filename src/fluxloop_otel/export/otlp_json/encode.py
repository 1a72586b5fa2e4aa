"""SDK spans -> one OTLP/JSON line, as the Collector's ``file`` exporter writes it.

Built on the official encoder the OTLP exporters use for the wire
(``opentelemetry-exporter-otlp-proto-common``'s ``encode_spans``) and protobuf's
``json_format`` (lowerCamelCase names, 64-bit integers as strings, enums as integers).
The one place where OTLP/JSON departs from protobuf's JSON mapping is fixed up here:
trace and span ids are hex strings, not base64.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Iterable, Sequence

from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def _hex_ids(item: dict[str, Any]) -> None:
    for field in _ID_FIELDS:
        value = item.get(field)
        if value:
            item[field] = base64.b64decode(value).hex()


def encode_spans_dict(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """The OTLP/JSON ``TracesData`` object of ``spans``."""
    document = json_format.MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", ()):
        for scope_spans in resource_spans.get("scopeSpans", ()):
            for span in scope_spans.get("spans", ()):
                _hex_ids(span)
                for link in span.get("links", ()):
                    _hex_ids(link)
    return document


def encode_spans_json(spans: Sequence[ReadableSpan]) -> str:
    """One OTLP/JSON line (no trailing newline) holding ``spans``."""
    return json.dumps(encode_spans_dict(spans), separators=(",", ":"))


def write_otlp_json(path: str, batches: Iterable[Sequence[ReadableSpan]], compress: bool = False) -> None:
    """Write one line per batch to ``path`` (gzip-compressed when ``compress``)."""
    import gzip

    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as handle:  # type: ignore[operator]
        for batch in batches:
            handle.write(encode_spans_json(batch) + "\n")
