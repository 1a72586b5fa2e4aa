"""configure() with an OTLP endpoint also exports the GenAI metrics (OTLP metric exporter, /v1/metrics)."""

from __future__ import annotations

from pathlib import Path

import fluxloop_otel as fl

from support.otlp_servers import OtlpHttpSink


def test_metrics_go_where_the_traces_go(tmp_path: Path) -> None:
    sink = OtlpHttpSink()
    try:
        fl.configure(otlp_endpoint=sink.endpoint, offline_store_dir=str(tmp_path), instrument_langchain=False)

        @fl.prompt(model="gpt-4o")
        def ask() -> dict:
            return {"content": "ok", "usage": {"prompt_tokens": 4, "completion_tokens": 2}}

        with fl.instrument("metrics-export"):
            ask()
        assert fl.force_flush(10)
        sink.wait_for_spans(2)
        names = {
            metric.name: metric
            for request in sink.metric_requests
            for resource in request.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }
        assert {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"} <= set(names)
        tokens = {
            next(a.value.string_value for a in point.attributes if a.key == "gen_ai.token.type"): point.sum
            for point in names["gen_ai.client.token.usage"].histogram.data_points
        }
        assert tokens == {"input": 4, "output": 2}
    finally:
        fl.shutdown()
        sink.close()
