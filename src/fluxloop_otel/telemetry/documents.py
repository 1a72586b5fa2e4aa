"""Retrieved documents: the one place that reads them (LangChain ``Document``, dicts, objects, strings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fluxloop_otel.telemetry.access import get

#: At most this many documents are recorded per retrieval.
MAX_DOCUMENTS = 50
#: Where a score may be found in a document's metadata, in order.
SCORE_KEYS = ("score", "relevance_score", "similarity")
_CONTENT_KEYS = ("page_content", "content", "text")


def read_document(item: Any) -> tuple[str | None, str | None, float | None, Mapping[str, Any] | None]:
    """``(id, content, score, metadata)`` of one retrieved item (each ``None`` when unknown).

    The score is the item's own ``score``, else the first of :data:`SCORE_KEYS` in its metadata.
    """
    if isinstance(item, str):
        return None, item, None, None
    content = None
    for key in _CONTENT_KEYS:
        value = get(item, key)
        if isinstance(value, str):
            content = value
            break
    raw_id = get(item, "id")
    doc_id = None if raw_id is None or isinstance(raw_id, (dict, list)) else (raw_id if type(raw_id) is str else str(raw_id))
    metadata = get(item, "metadata")
    if not isinstance(metadata, Mapping) or not metadata:
        metadata = None
    score = get(item, "score")
    if score is None and metadata is not None:
        for key in SCORE_KEYS:
            score = metadata.get(key)
            if score is not None:
                break
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        score = None
    return doc_id, content, None if score is None else float(score), metadata


def documents_of(result: Any) -> Any:
    """The documents of a retrieval result: a list, or a mapping's ``documents``/``results``."""
    if isinstance(result, Mapping):
        result = result.get("documents", result.get("results"))
    return result if isinstance(result, (list, tuple)) else None
