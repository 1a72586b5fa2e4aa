"""Retriever runs -> :class:`~fluxloop_otel.telemetry.RetrievalInvocation` records."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.instrumentation.langchain._content import run_fields
from fluxloop_otel.telemetry import RetrievalInvocation


def start_record(
    name: str, query: Any, tags: Sequence[str] | None, metadata: Mapping[str, Any] | None
) -> RetrievalInvocation:
    """The record of a retriever run (the vector store provider as its data source)."""
    source = metadata.get("ls_vector_store_provider") if metadata else None
    fields = run_fields(tags, metadata)
    return RetrievalInvocation(
        name,
        query=query if isinstance(query, str) else None,
        data_source=source if isinstance(source, str) and source else None,
        tags=fields.tags,
        metadata=fields.metadata,
        session_id=fields.session_id,
        user_id=fields.user_id,
    )
