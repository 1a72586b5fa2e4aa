"""Retriever runs -> ``retrieval`` spans: query, and documents (id, content, metadata, score)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.mapping import MAX_DOCUMENTS
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for
from fluxloop_otel.serialization import Serializer

_SPEC = spec_for(ObservationType.RETRIEVAL)
_PREFIXES = [f"{A.RETRIEVAL_DOCUMENTS}.{i}." for i in range(MAX_DOCUMENTS)]
_ID_KEYS = [p + A.DOCUMENT_ID for p in _PREFIXES]
_SCORE_KEYS = [p + A.DOCUMENT_SCORE for p in _PREFIXES]
_CONTENT_KEYS = [p + A.DOCUMENT_CONTENT for p in _PREFIXES]
_METADATA_KEYS = [p + A.DOCUMENT_METADATA for p in _PREFIXES]
_SCORE_NAMES = ("score", "relevance_score", "similarity")


def start_attributes(
    name: str,
    query: Any,
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    serializer: Serializer,
    capture: bool,
) -> tuple[str, dict[str, Any]]:
    """Span name and start attributes of a retriever run."""
    attributes: dict[str, Any] = _content.static_attributes(_SPEC, name)
    if metadata:
        source = metadata.get("ls_vector_store_provider")
        if isinstance(source, str) and source:
            attributes[A.GEN_AI_DATA_SOURCE_ID] = source
    attributes.update(_content.shared_attributes(tags, metadata, serializer))
    if capture and isinstance(query, str):
        text = serializer.text(query)
        attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = text
        attributes[A.INPUT_VALUE] = text
    return _SPEC.span_name(name, None), attributes


def end_attributes(documents: Any, serializer: Serializer, capture: bool) -> dict[str, Any]:
    """``gen_ai.retrieval.documents`` (also the output) and ``retrieval.documents.{i}.document.*``.

    Each content string and metadata dict is masked/capped/redacted once; the summary is
    encoded from those results.
    """
    if not isinstance(documents, (list, tuple)):
        return {}
    attributes: dict[str, Any] = {}
    summary: list[dict[str, Any]] = []
    for index, document in enumerate(documents[:MAX_DOCUMENTS]):
        item: dict[str, Any] = {}
        doc_id = getattr(document, "id", None)
        if doc_id is not None:
            attributes[_ID_KEYS[index]] = item["id"] = doc_id if type(doc_id) is str else str(doc_id)
        metadata = getattr(document, "metadata", None)
        if isinstance(metadata, dict) and metadata:
            for key in _SCORE_NAMES:
                score = metadata.get(key)
                if isinstance(score, (int, float)) and not isinstance(score, bool):
                    attributes[_SCORE_KEYS[index]] = item["score"] = float(score)
                    break
            if capture:
                attributes[_METADATA_KEYS[index]] = _content.dumps(metadata, serializer, "metadata")
        if capture:
            content = getattr(document, "page_content", None)
            if isinstance(content, str):
                attributes[_CONTENT_KEYS[index]] = item["content"] = serializer.text(content)
        summary.append(item)
    text = serializer.encode(summary)
    attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS] = text
    if capture:
        attributes[A.OUTPUT_VALUE] = text
        attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
    return attributes
