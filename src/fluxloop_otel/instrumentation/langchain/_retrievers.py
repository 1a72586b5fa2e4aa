"""Retriever runs -> ``retrieval`` spans: query, and documents (id, content, metadata, score)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from langchain_core.documents import Document

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.mapping import MAX_DOCUMENTS
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for
from fluxloop_otel.serialization import Serializer

_SPEC = spec_for(ObservationType.RETRIEVAL)
#: Per document index: the id, score, content and metadata attribute names.
_KEYS = [
    tuple(
        f"{A.RETRIEVAL_DOCUMENTS}.{i}.{name}"
        for name in (A.DOCUMENT_ID, A.DOCUMENT_SCORE, A.DOCUMENT_CONTENT, A.DOCUMENT_METADATA)
    )
    for i in range(MAX_DOCUMENTS)
]


def start_attributes(
    name: str,
    query: Any,
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    serializer: Serializer,
    capture: bool,
) -> tuple[str, dict[str, Any]]:
    """Span name and start attributes of a retriever run."""
    span_name, attributes = _content.static_attributes(_SPEC, name)
    if metadata:
        source = metadata.get("ls_vector_store_provider")
        if isinstance(source, str) and source:
            attributes[A.GEN_AI_DATA_SOURCE_ID] = source
    attributes.update(_content.shared_attributes(tags, metadata, serializer))
    if capture and isinstance(query, str):
        text = serializer.text(query)
        attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = text
        attributes[A.INPUT_VALUE] = text
    return span_name, attributes


def end_attributes(documents: Any, serializer: Serializer, capture: bool) -> dict[str, Any]:
    """``gen_ai.retrieval.documents`` (also the output) and ``retrieval.documents.{i}.document.*``.

    Each content string and metadata dict is masked/capped/redacted once; the summary is
    encoded from those results.
    """
    if not isinstance(documents, (list, tuple)):
        return {}
    attributes: dict[str, Any] = {}
    summary: list[dict[str, Any]] = []
    text = serializer.text
    for index, document in enumerate(documents[:MAX_DOCUMENTS]):
        id_key, score_key, content_key, metadata_key = _KEYS[index]
        if type(document) is Document:  # the usual case: no attribute probing
            doc_id, metadata, content = document.id, document.metadata, document.page_content
        else:
            doc_id = getattr(document, "id", None)
            metadata = getattr(document, "metadata", None)
            content = getattr(document, "page_content", None)
        item: dict[str, Any] = {}
        if doc_id is not None:
            attributes[id_key] = item["id"] = doc_id if type(doc_id) is str else str(doc_id)
        if metadata and isinstance(metadata, dict):
            score = metadata.get("score")
            if score is None:
                score = metadata.get("relevance_score", metadata.get("similarity"))
            if isinstance(score, (int, float)) and not isinstance(score, bool):
                attributes[score_key] = item["score"] = float(score)
            if capture:
                attributes[metadata_key] = _content.dumps(metadata, serializer, "metadata")
        if capture and isinstance(content, str):
            attributes[content_key] = item["content"] = text(content)
        summary.append(item)
    encoded = serializer.encode(summary)
    attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS] = encoded
    if capture:
        attributes[A.OUTPUT_VALUE] = encoded
        attributes[A.OUTPUT_MIME_TYPE] = A.MIME_JSON
    return attributes
