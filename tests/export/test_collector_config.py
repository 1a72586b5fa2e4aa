"""``collector-config/``: Docker cannot run here, so check what can be checked: every file parses,
every pipeline uses defined components (and every defined component is used), services, ports,
volumes and data source ids agree between the compose file, the configs, Grafana and the README."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

CONFIG = Path(__file__).resolve().parents[2] / "collector-config"
#: Component types of the Collector contrib distribution used here (kind -> types).
CONTRIB_TYPES = {
    "receivers": {"otlp"},
    "processors": {"memory_limiter", "batch", "attributes", "redaction", "transform", "resource"},
    "exporters": {"otlp", "otlphttp", "file", "debug", "prometheus"},
    "extensions": {"health_check", "pprof", "zpages"},
}


def load(name: str) -> Any:
    return yaml.safe_load((CONFIG / name).read_text())


@pytest.fixture(scope="module")
def collector() -> dict[str, Any]:
    return load("otel-collector.yaml")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load("docker-compose.yaml")


def _port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def _published(service: dict[str, Any]) -> dict[int, int]:
    """container port -> host port; every published port must be bound to 127.0.0.1."""
    ports = {}
    for entry in service.get("ports", []):
        host_ip, host_port, container_port = str(entry).split(":")
        assert host_ip == "127.0.0.1", f"{entry} is not loopback-only"
        ports[int(container_port)] = int(host_port)
    return ports


def test_every_file_parses() -> None:
    files = sorted(p for p in CONFIG.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".json"})
    assert len(files) >= 6
    for path in files:
        (json.loads if path.suffix == ".json" else yaml.safe_load)(path.read_text())


def test_pipelines_reference_defined_components_and_all_are_used(collector: dict[str, Any]) -> None:
    service = collector["service"]
    used: dict[str, set[str]] = {"receivers": set(), "processors": set(), "exporters": set()}
    for name, pipeline in service["pipelines"].items():
        assert name.split("/")[0] in ("traces", "metrics"), name
        assert pipeline["receivers"] and pipeline["exporters"], name
        processors = pipeline.get("processors", [])
        assert processors[0] == "memory_limiter" and processors[-1] == "batch", f"{name}: memory_limiter first, batch last"
        for kind in used:
            for component in pipeline.get(kind, []):
                assert component in collector[kind], f"pipeline {name} uses undefined {kind[:-1]} {component}"
                used[kind].add(component)
    for kind, names in used.items():
        assert set(collector[kind]) == names, f"defined but unused {kind}: {set(collector[kind]) - names}"
    assert set(service["extensions"]) == set(collector["extensions"])
    for kind, allowed in CONTRIB_TYPES.items():
        for component in collector[kind]:
            assert component.split("/")[0] in allowed, f"{kind}: unknown component type {component}"


def test_exporters_and_redaction(collector: dict[str, Any]) -> None:
    pipelines = collector["service"]["pipelines"]
    assert {"otlp/jaeger", "otlp/tempo"} <= set(pipelines["traces/shared"]["exporters"])
    assert "attributes/redact" in pipelines["traces/shared"]["processors"]
    assert pipelines["traces/fluxloop"]["exporters"] == ["file/fluxloop"]
    assert "attributes/redact" not in pipelines["traces/fluxloop"]["processors"]  # convert needs the content
    actions = collector["processors"]["attributes/redact"]["actions"]
    patterns = [re.compile(a["pattern"]) for a in actions if "pattern" in a]
    deleted = {a["key"] for a in actions if a.get("action") == "delete" and "key" in a}
    for key in ("input.value", "output.value", "gen_ai.input.messages", "gen_ai.tool.call.arguments", "retrieval.documents.0.document.content", "llm.output_messages.0.message.content"):
        assert key in deleted or any(p.fullmatch(key) for p in patterns), f"{key} is not redacted"
    for key in ("gen_ai.usage.input_tokens", "gen_ai.operation.name", "fluxloop.observation.type", "gen_ai.request.model"):
        assert key not in deleted and not any(p.fullmatch(key) for p in patterns), f"{key} must stay"
    assert collector["exporters"]["file/fluxloop"]["format"] == "json"


def test_compose_services_ports_and_mounts(collector: dict[str, Any], compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"otel-collector", "jaeger", "tempo", "prometheus", "grafana"}
    collector_ports = _published(services["otel-collector"])
    receiver = collector["receivers"]["otlp"]["protocols"]
    assert _port(receiver["grpc"]["endpoint"]) == 4317 and collector_ports[4317] == 4317
    assert _port(receiver["http"]["endpoint"]) == 4318 and collector_ports[4318] == 4318
    assert collector_ports[_port(collector["extensions"]["health_check"]["endpoint"])] == 13133
    for name, service in services.items():
        assert ":" in service["image"] and not service["image"].endswith(":latest"), f"{name}: pin the image"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and source != "./data":
                assert (CONFIG / source).exists(), f"{name} mounts missing {source}"
    # the file exporter writes into the mounted ./data directory
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["otel-collector"]["volumes"]}
    assert Path(collector["exporters"]["file/fluxloop"]["path"]).parent.as_posix() in mounts
    assert mounts["/etc/otelcol/config.yaml"] == "./otel-collector.yaml"
    assert "--config=/etc/otelcol/config.yaml" in services["otel-collector"]["command"]


def test_exporter_targets_match_the_backends(collector: dict[str, Any], compose: dict[str, Any]) -> None:
    services = compose["services"]
    tempo = load("tempo.yaml")
    jaeger_host, jaeger_port = collector["exporters"]["otlp/jaeger"]["endpoint"].split(":")
    assert jaeger_host == "jaeger" and jaeger_port in services["jaeger"]["expose"]
    tempo_host, tempo_port = collector["exporters"]["otlp/tempo"]["endpoint"].split(":")
    assert tempo_host == "tempo" and tempo_port in services["tempo"]["expose"]
    assert _port(tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]) == int(tempo_port)
    tempo_mounts = {v.split(":")[1]: v.split(":")[0] for v in services["tempo"]["volumes"]}
    assert tempo_mounts["/etc/tempo.yaml"] == "./tempo.yaml" and "-config.file=/etc/tempo.yaml" in services["tempo"]["command"]
    assert "local-blocks" in tempo["overrides"]["defaults"]["metrics_generator"]["processors"]  # TraceQL metrics


def test_grafana_provisioning_and_dashboard(compose: dict[str, Any]) -> None:
    services = compose["services"]
    tempo = load("tempo.yaml")
    datasources = {d["uid"]: d for d in load("grafana/provisioning/datasources/datasources.yaml")["datasources"]}
    assert datasources["tempo"]["url"] == f"http://tempo:{tempo['server']['http_listen_port']}"
    assert str(tempo["server"]["http_listen_port"]) in services["tempo"]["expose"]
    assert datasources["jaeger"]["url"] == f"http://jaeger:{next(iter(_published(services['jaeger'])))}"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    provider = load("grafana/provisioning/dashboards/dashboards.yaml")["providers"][0]
    assert provider["options"]["path"] in mounts and mounts[provider["options"]["path"]] == "./grafana/dashboards"
    dashboard = json.loads((CONFIG / "grafana" / "dashboards" / "fluxloop-agents.json").read_text())
    home = [e for e in services["grafana"]["environment"] if e.startswith("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=")]
    assert home == [f"GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH={provider['options']['path']}/fluxloop-agents.json"]
    queries = []
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] in datasources
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in datasources
            query = target["query"] if datasources[target["datasource"]["uid"]]["type"] == "tempo" else target["expr"]
            queries.append(query)
            assert query.count("{") == query.count("}") and query.count("(") == query.count(")")
    text = " ".join(queries)
    for operation in ("invoke_agent", "execute_tool", "chat"):
        assert f'span.gen_ai.operation.name = "{operation}"' in text
    assert 'span.fluxloop.observation.type = "generation"' in text and 'span.fluxloop.observation.type = "agent"' in text
    assert "span.gen_ai.usage.input_tokens" in text and "span.gen_ai.usage.output_tokens" in text
    assert "quantile_over_time(duration" in text
    # the GenAI client metrics, through the collector's prometheus exporter (OTel names -> Prometheus names)
    for metric in ("gen_ai_client_operation_duration_seconds_bucket", "gen_ai_client_token_usage_sum",
                   "gen_ai_client_operation_time_to_first_chunk_seconds_bucket", "gen_ai_client_operation_time_per_output_chunk_seconds_bucket"):
        assert metric in text, metric
    assert datasources["prometheus"]["url"] == f"http://prometheus:{next(iter(_published(services['prometheus'])))}"


def test_metrics_pipeline_reaches_prometheus(collector: dict[str, Any], compose: dict[str, Any]) -> None:
    pipeline = collector["service"]["pipelines"]["metrics"]
    assert pipeline["receivers"] == ["otlp"] and pipeline["exporters"] == ["prometheus"]
    scrape_port = _port(collector["exporters"]["prometheus"]["endpoint"])
    assert str(scrape_port) in compose["services"]["otel-collector"]["expose"]
    prometheus = load("prometheus.yaml")
    targets = [t for job in prometheus["scrape_configs"] for c in job["static_configs"] for t in c["targets"]]
    assert targets == [f"otel-collector:{scrape_port}"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"]["prometheus"]["volumes"]}
    assert mounts["/etc/prometheus/prometheus.yaml"] == "./prometheus.yaml"


def test_readme_ports_agree_with_compose(compose: dict[str, Any]) -> None:
    readme = (CONFIG / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d+) \| ([\w-]+) \|", readme, flags=re.MULTILINE))
    published = {str(host): name for name, service in compose["services"].items() for host in _published(service).values()}
    assert {port: name for port, name in table.items()} == published
    for port in published:
        assert f"127.0.0.1:{port}" in readme, port  # every UI/endpoint URL is spelled out
    assert "fluxloop.observation.type" in readme and "gen_ai.operation.name" in readme
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318" in readme
