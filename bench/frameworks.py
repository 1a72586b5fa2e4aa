"""Per-call overhead of the NAT and AGNT5 instrumentations against the same calls uninstrumented.

    python bench/frameworks.py [--quick] [--instructions]

Workloads (in-process, scripted models, no network):

* NAT ``Function.ainvoke`` of a ``FunctionInfo.from_fn`` tool (Pydantic input): the cost of
  one traced function call;
* a NAT ``tool_calling_agent`` run (``WorkflowBuilder.from_config`` once, ``workflow.run`` +
  ``runner.result`` per call: two LLM turns through LangChain/LangGraph and one tool);
* an AGNT5 ``Agent.run`` (scripted ``LanguageModel``, two model turns, one sync ``@tool``);
* an AGNT5 direct ``@function`` call and a ``@workflow`` with two ``ctx.step`` calls.

Variants, interleaved per round (medians of caller-thread CPU and wall time per call):

* ``uninstrumented``: no fluxloop-otel instrumentation at all (LangChain's included);
* ``fluxloop-otel (+ JSONL)``: the instrumentations on a provider with a do-nothing exporter and
  the FluxLoop JSONL processor, content capture on; each timed batch ends with ``force_flush()``
  so the wall time includes the JSONL writer's work;
* ``fluxloop-otel (no JSONL)``: the same spans, do-nothing exporter only.

``--only TEXT`` keeps the workloads whose name contains TEXT. ``--instructions`` counts instructions instead (valgrind/callgrind, ``N`` and ``0`` calls after
the same warm-up; the difference over ``N`` is one call on the caller's thread): stable ratios on
a busy machine.
"""

# (No `from __future__ import annotations`: AGNT5 checks a tool's `ctx: Context` annotation.)

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests"))  # support: the NAT and AGNT5 test components
from _harness import Cost, interleaved, null_processor, print_table  # noqa: E402

UNINSTRUMENTED = "uninstrumented"
JSONL = "fluxloop-otel (+ JSONL)"
NO_JSONL = "fluxloop-otel (no JSONL)"


# -- switching tracing on and off -------------------------------------------------------------------
class Tracing:
    """The three variants on one interpreter: instrumentors switched per timed batch."""

    def __init__(self) -> None:
        from opentelemetry.sdk.trace import TracerProvider

        import fluxloop_otel

        self.jsonl_provider = TracerProvider()
        self.jsonl_provider.add_span_processor(null_processor())
        self.plain_provider = TracerProvider()
        self.plain_provider.add_span_processor(null_processor())
        self.directory = tempfile.mkdtemp(prefix="bench-frameworks-")
        fluxloop_otel.configure(
            tracer_provider=self.jsonl_provider,
            offline_store_dir=self.directory,
            max_queue_size=1_000_000,
            instrument_threading=False,
        )
        self.current: "str | None" = None

    def instrumentors(self) -> list[Any]:
        from fluxloop_otel.instrumentation.agnt5 import Agnt5Instrumentor
        from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
        from fluxloop_otel.instrumentation.nat import NatInstrumentor

        return [LangChainInstrumentor(), NatInstrumentor(), Agnt5Instrumentor()]

    def use(self, variant: str) -> None:
        if variant == self.current:
            return
        for instrumentor in self.instrumentors():
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        if variant != UNINSTRUMENTED:
            provider = self.jsonl_provider if variant == JSONL else self.plain_provider
            for instrumentor in self.instrumentors():
                instrumentor.instrument(tracer_provider=provider)
        self.current = variant

    def flush(self, variant: str) -> None:
        if variant == JSONL:
            import fluxloop_otel

            fluxloop_otel.force_flush(30)


def timed_batch(loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[Any]], calls: int) -> Cost:
    async def batch() -> None:
        for _ in range(calls):
            await call()

    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
        loop.run_until_complete(batch())
        return Cost((time.perf_counter_ns() - wall) / calls / 1000, (time.thread_time_ns() - cpu) / calls / 1000)
    finally:
        if gc_enabled:
            gc.enable()


# -- workloads --------------------------------------------------------------------------------------
def nat_workloads(loop: asyncio.AbstractEventLoop) -> dict[str, Callable[[], Awaitable[Any]]]:
    from nat.builder.function import LambdaFunction
    from nat.builder.function_info import FunctionInfo
    from nat.builder.workflow_builder import WorkflowBuilder
    from nat.data_models.config import Config
    from nat.data_models.function import EmptyFunctionConfig
    from nat.runtime.loader import PluginTypes, discover_and_register_plugins

    discover_and_register_plugins(PluginTypes.CONFIG_OBJECT)
    from support import nat_components

    tool = LambdaFunction.from_info(
        config=EmptyFunctionConfig(),
        info=FunctionInfo.from_fn(nat_components._weather, description="Current weather for a city"),
        instance_name="weather",
    )
    config = Config.model_validate(nat_components.agent_config([{"name": "weather", "args": {"city": "Paris"}}]))
    builder_cm = WorkflowBuilder.from_config(config)
    builder = loop.run_until_complete(builder_cm.__aenter__())
    workflow = loop.run_until_complete(builder.build())

    async def agent_run() -> Any:
        async with workflow.run("Weather in Paris?") as runner:
            return await runner.result(to_type=str)

    return {
        "NAT Function.ainvoke (tool)": lambda: tool.ainvoke({"city": "Paris"}),
        "NAT tool_calling_agent run": agent_run,
    }


def agnt5_workloads() -> dict[str, Callable[[], Awaitable[Any]]]:
    from agnt5 import Agent, Context, FunctionContext, WorkflowContext, function, tool, workflow

    from support import agnt5_components

    @tool
    def weather(ctx: Context, city: str) -> str:
        """Current weather for a city."""
        return f"sunny in {city}"

    @function
    async def shout(ctx: FunctionContext, text: str) -> str:
        return text.upper()

    @workflow
    async def pipeline(ctx: WorkflowContext, text: str) -> str:
        loud = await ctx.step(shout, text)
        return await ctx.step("suffix", lambda: loud + "!")

    agent = Agent(
        name="bench_agent",
        model=agnt5_components.ScriptedModel([{"name": "weather", "args": {"city": "Paris"}}]),
        instructions="-",
        tools=[weather],
    )
    context = FunctionContext(run_id="bench", correlation_id="c", parent_correlation_id="p")
    return {
        "AGNT5 Agent.run (2 model turns, 1 tool)": lambda: agent.run("Weather in Paris?"),
        "AGNT5 @function direct call": lambda: shout(context, "hi"),
        "AGNT5 @workflow, 2 ctx.step": lambda: pipeline(text="hi"),
    }


WORKLOAD_NAMES = (
    "NAT Function.ainvoke (tool)",
    "NAT tool_calling_agent run",
    "AGNT5 Agent.run (2 model turns, 1 tool)",
    "AGNT5 @function direct call",
    "AGNT5 @workflow, 2 ctx.step",
)


def all_workloads(
    loop: asyncio.AbstractEventLoop, tracing: Tracing, frameworks: tuple[str, ...] = ("NAT", "AGNT5")
) -> dict[str, Callable[[], Awaitable[Any]]]:
    tracing.use(JSONL)  # decorate while instrumented (AGNT5's decorators are wrapped)
    workloads: dict[str, Callable[[], Awaitable[Any]]] = {}
    if "NAT" in frameworks:
        workloads.update(nat_workloads(loop))
    if "AGNT5" in frameworks:
        workloads.update(agnt5_workloads())
    return workloads


def quiet() -> None:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


# -- wall / CPU ---------------------------------------------------------------------------------------
def run_timed(quick: bool, only: str | None) -> None:
    quiet()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    tracing = Tracing()
    names = [n for n in WORKLOAD_NAMES if only is None or only.lower() in n.lower()]
    workloads = all_workloads(loop, tracing, tuple({n.split()[0] for n in names}))
    workloads = {n: workloads[n] for n in names}
    rounds = 5 if quick else 15
    for name, call in workloads.items():
        calls = 20 if "run" in name.lower() else 200
        if quick:
            calls //= 4
        for variant in (UNINSTRUMENTED, JSONL, NO_JSONL):  # warm-up
            tracing.use(variant)
            timed_batch(loop, call, max(calls // 4, 1))

        def variant_cost(variant: str, call: Callable[[], Awaitable[Any]] = call) -> Callable[[int], Cost]:
            def measure(n: int) -> Cost:
                tracing.use(variant)
                cost = timed_batch(loop, call, n)
                tracing.flush(variant)
                return cost

            return measure

        results = interleaved({v: variant_cost(v) for v in (UNINSTRUMENTED, JSONL, NO_JSONL)}, rounds, calls)
        print_table(f"{name}  ({calls} calls x {rounds} rounds)", results, UNINSTRUMENTED)
    shutil.rmtree(tracing.directory, ignore_errors=True)


# -- instruction counts -------------------------------------------------------------------------------
def worker(workload: str, variant: str, calls: int) -> None:
    """Runs under callgrind: warm up, then ``calls`` calls of one workload in one variant."""
    quiet()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    tracing = Tracing()
    call = all_workloads(loop, tracing, (workload.split()[0],))[workload]
    tracing.use(variant)
    timed_batch(loop, call, 20)
    tracing.flush(variant)
    if calls:
        timed_batch(loop, call, calls)
        tracing.flush(variant)


def instructions(calls: int, only: str | None) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    names = [n for n in WORKLOAD_NAMES if only is None or only.lower() in n.lower()]
    print(f"\ninstructions per call on the calling thread (callgrind, {calls} calls)")
    print(f"{'workload':<42}{'variant':<28}{'instructions':>14}{'ratio':>8}")
    for workload in names:
        counts: dict[str, float] = {}
        for variant in (UNINSTRUMENTED, JSONL, NO_JSONL):
            measured = [_callgrind(workload, variant, n) for n in (calls, 0)]
            counts[variant] = (measured[0] - measured[1]) / calls
        for variant, count in counts.items():
            ratio = count / counts[UNINSTRUMENTED]
            print(f"{workload:<42}{variant:<28}{count:>14,.0f}{ratio:>7.2f}x")


def _callgrind(workload: str, variant: str, calls: int) -> int:
    """Instructions on the calling thread of one worker run (callgrind, one file per thread)."""
    from instructions import _thread_totals

    with tempfile.TemporaryDirectory() as directory:
        prefix = os.path.join(directory, "callgrind.out")
        subprocess.run(
            [
                "valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={prefix}",
                sys.executable, __file__, "--worker", workload, variant, str(calls),
            ],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return int(_thread_totals(prefix)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds")
    parser.add_argument("--instructions", action="store_true", help="instruction counts under valgrind")
    parser.add_argument("--calls", type=int, default=50, help="calls per callgrind run")
    parser.add_argument("--only", help="workloads whose name contains this text (e.g. AGNT5, NAT, function)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
    elif args.instructions:
        instructions(args.calls, args.only)
    else:
        run_timed(args.quick, args.only)


if __name__ == "__main__":
    main()
