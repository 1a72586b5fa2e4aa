"""The agent of agent.py, traced by one ``configure()`` call instead of ``opentelemetry-instrument``.

python traced.py
fluxloop-otel show traces --last 1
"""

from __future__ import annotations

import fluxloop_otel

# JSONL files in ./traces; spans also go to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
# LangChain / LangGraph instrumentation is switched on because langchain-core is importable.
fluxloop_otel.configure(service_name="langgraph-agent-example")

from agent import main  # noqa: E402

if __name__ == "__main__":
    main()
