"""A NeMo Agent Toolkit workflow (``workflow.yml``) as a FluxLoop target: ``agent:run``.

No tracing code: ``fluxloop-otel run`` (or ``fluxloop_otel.configure()``) switches on the NAT
and LangChain instrumentations, so each run is one trace: workflow -> agent -> LangGraph nodes
-> generations (with tokens) and tools.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nat.builder.workflow_builder import WorkflowBuilder
from nat.runtime.loader import load_config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import components  # noqa: E402,F401  (registers the scripted model and the tools)

CONFIG = Path(__file__).resolve().parent / "workflow.yml"


async def run(input: str) -> str:
    """Build the workflow from its config and answer one question."""
    config = load_config(CONFIG)
    async with WorkflowBuilder.from_config(config) as builder:
        workflow = await builder.build()
        async with workflow.run(input) as runner:
            return await runner.result(to_type=str)


if __name__ == "__main__":
    import fluxloop_otel

    fluxloop_otel.configure()
    print(asyncio.run(run(" ".join(sys.argv[1:]) or "What is the weather in Lisbon?")))
    fluxloop_otel.shutdown()
