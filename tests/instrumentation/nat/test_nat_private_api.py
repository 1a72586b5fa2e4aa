"""The NAT internals the instrumentation relies on are where it expects them."""

from __future__ import annotations

import inspect
from typing import Any

from support.nat_run import run


def test_patched_methods() -> None:
    from nat.builder.function import Function
    from nat.runtime.runner import Runner

    assert inspect.iscoroutinefunction(Function.ainvoke) and inspect.isasyncgenfunction(Function.astream)
    assert inspect.iscoroutinefunction(Runner.result) and inspect.isasyncgenfunction(Runner.result_stream)
    assert inspect.iscoroutinefunction(Runner.__aenter__)
    assert list(inspect.signature(Function.ainvoke).parameters)[:2] == ["self", "value"]


def test_runner_attributes(nat_registry: Any) -> None:
    from nat.builder.workflow_builder import WorkflowBuilder
    from nat.data_models.config import Config

    async def probe() -> None:
        async with WorkflowBuilder.from_config(Config.model_validate(nat_registry.forecast_config())) as builder:
            workflow = await builder.build()
            async with workflow.run("Oslo") as runner:
                assert runner._input_message == "Oslo"
                assert runner._entry_fn.config.name == "forecaster"
                assert runner._entry_fn.instance_name == "<workflow>"
                await runner.result(to_type=str)

    run(probe())
