"""Helpers of the LangGraph / LangChain 1.x agent tests: running a graph each way, its span tree
(span lookups: :mod:`support.spans`)."""

from __future__ import annotations

import asyncio
from typing import Any

from fluxloop_otel.semconv import attributes as A

MODES = ("invoke", "ainvoke", "stream", "astream")


def run(runnable: Any, inputs: Any, config: Any = None, mode: str = "invoke") -> Any:
    """``runnable`` called the ``mode`` way; the final value (last ``values`` chunk when streamed)."""
    if mode == "invoke":
        return runnable.invoke(inputs, config)
    if mode == "ainvoke":
        return asyncio.run(runnable.ainvoke(inputs, config))
    if mode == "stream":
        chunks = list(runnable.stream(inputs, config, stream_mode="values"))
        return chunks[-1] if chunks else None

    async def consume() -> list[Any]:
        return [chunk async for chunk in runnable.astream(inputs, config, stream_mode="values")]

    chunks = asyncio.run(consume())
    return chunks[-1] if chunks else None


def kinds(spans: list[Any]) -> list[str]:
    from support.lc_fakes import span_tree

    return span_tree(spans, lambda s: f"{s.name} [{s.attributes.get(A.FLUXLOOP_OBSERVATION_TYPE)}]")
