"""Run the example with tracing: configure() first, so the AGNT5 decorators are instrumented
when ``agent`` is imported (``fluxloop-otel run`` does the same before importing a target)."""

import asyncio
import sys

import fluxloop_otel

fluxloop_otel.configure()

import agent  # noqa: E402

print(asyncio.run(agent.run(" ".join(sys.argv[1:]) or "What is the weather in Lisbon")))
fluxloop_otel.shutdown()
