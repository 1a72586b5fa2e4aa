"""Building and running a NAT workflow from a config dict, for the tests."""

from __future__ import annotations

import asyncio
from typing import Any


async def build_and_run(config: dict[str, Any], message: Any, stream: bool = False, to_type: Any = str) -> Any:
    """Build the workflow from ``config`` (``WorkflowBuilder.from_config``) and run it once."""
    from nat.builder.workflow_builder import WorkflowBuilder
    from nat.data_models.config import Config

    async with WorkflowBuilder.from_config(Config.model_validate(config)) as builder:
        workflow = await builder.build()
        async with workflow.run(message) as runner:
            if stream:
                return [chunk async for chunk in runner.result_stream(to_type=to_type)]
            return await runner.result(to_type=to_type)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
