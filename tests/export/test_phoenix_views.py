"""Issue 12 item 7 in a real Phoenix: a LangGraph agent's root shows the question and the answer as
text, the Metadata card has the thread, node, step and agent name, the chat span lists its tools
(``llm.tools``: Phoenix's "N tools" and Tools tab), its system instructions, tokens and cost."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from support.export_apps import run_app
from support.phoenix_server import Phoenix

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.e2e
PROJECT = "e2e-views"


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    """Phoenix may return dotted attributes flat or nested (lists for indexed keys): flat keys either way."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list) and prefix.endswith("llm.tools"):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, object] = {}
    for key, child in items:
        flat.update(_flatten(child, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _metadata(attributes: dict[str, object]) -> dict[str, object]:
    """The ``metadata`` Phoenix parsed (it stores the JSON as ``metadata.<key>`` attributes)."""
    flat = _flatten(attributes)
    if isinstance(flat.get("metadata"), str):
        return dict(json.loads(flat["metadata"]))
    return {key[len("metadata."):]: value for key, value in flat.items() if key.startswith("metadata.")}


def test_langgraph_agent_as_phoenix_shows_it(phoenix: Phoenix, tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"gpt-4o": {"input": 2.5, "output": 10.0}}}))
    run = run_app(
        tmp_path / "traces",
        command=[sys.executable, str(HERE / "langgraph_view_app.py")],
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=phoenix.http_traces_endpoint,
        OTEL_RESOURCE_ATTRIBUTES=f"openinference.project.name={PROJECT}",
        FLUXLOOP_PRICE_TABLE=str(prices),
    )
    (trace_id,) = run.trace_ids
    observations = run.records("observations.jsonl")
    spans = {span["name"]: span for span in phoenix.wait_for_spans(PROJECT, trace_id, count=len(observations))}
    agent = spans["invoke_agent weather_agent"]
    assert agent["parent_id"] is None and agent["span_kind"] == "AGENT"
    attributes = agent["attributes"]
    assert attributes["input.value"] == "Weather in Paris?" and attributes["input.mime_type"] == "text/plain"
    assert attributes["output.value"] == "It is sunny in Paris." and attributes["output.mime_type"] == "text/plain"
    assert _metadata(attributes) == {"agent_name": "weather_agent", "thread_id": "thread-7"}  # the Metadata card
    assert _metadata(spans["chat"]["attributes"]) == {"langgraph_node": "chat", "langgraph_step": 1, "thread_id": "thread-7"}
    llm = spans["chat gpt-4o"]
    assert llm["span_kind"] == "LLM"
    flat = _flatten(llm["attributes"])
    schema = flat["llm.tools.0.tool.json_schema"]  # Phoenix's "1 tool" label and Tools tab
    assert (json.loads(schema) if isinstance(schema, str) else schema)["function"]["name"] == "get_weather"
    assert json.loads(llm["attributes"]["gen_ai.system_instructions"]) == [{"type": "text", "content": "You are a terse weather bot."}]
    assert llm["attributes"]["llm.cost.total"] == pytest.approx(0.0035)
    # the JSONL keeps the whole state on the agent
    (record,) = [o for o in observations if o["type"] == "agent"]
    assert [m["content"] for m in record["output"]["messages"]] == ["Weather in Paris?", "It is sunny in Paris."]
