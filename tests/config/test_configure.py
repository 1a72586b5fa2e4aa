"""configure(): options, environment variables, attaching vs installing a provider."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fluxloop_otel as fl
from fluxloop_otel.config.options import OPTIONS, resolve_settings


def test_unknown_option_suggests_close_names() -> None:
    with pytest.raises(TypeError, match="Did you mean: offline_store_dir"):
        fl.configure(offline_store_dri="x")


def test_invalid_values_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="sample_rate must be between 0 and 1"):
        fl.configure(sample_rate=2)
    with pytest.raises(ValueError, match="storage='file'"):
        fl.configure(storage="s3")
    with pytest.raises(TypeError, match="redact must be a callable"):
        fl.configure(redact="nope")
    with pytest.raises(ValueError, match="otlp_protocol"):
        fl.configure(otlp_protocol="carrier-pigeon")


def test_seed_and_sdk_option_names_are_accepted() -> None:
    settings = resolve_settings({"storage": "file", "base_path": "./seed-traces", "use_collector": False, "api_key": "k"})
    assert settings.offline_store_dir == "./seed-traces" and settings.offline_store_enabled is True


def test_environment_variables_and_precedence(monkeypatch) -> None:
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", "/env/dir")
    monkeypatch.setenv("FLUXLOOP_SAMPLE_RATE", "0.25")
    monkeypatch.setenv("FLUXLOOP_ENABLED", "false")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "otel-name")
    monkeypatch.setenv("FLUXLOOP_SERVICE_NAME", "fluxloop-name")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "False")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    settings = resolve_settings({"offline_store_dir": "/arg/dir"})
    assert settings.offline_store_dir == "/arg/dir"  # argument beats environment
    assert settings.sample_rate == 0.25 and settings.enabled is False
    assert settings.service_name == "otel-name"  # OTEL_SERVICE_NAME first
    assert settings.capture_content is False
    assert settings.otlp_endpoint == "http://127.0.0.1:4318"


def test_bad_environment_value_warns_and_uses_default(monkeypatch, caplog) -> None:
    monkeypatch.setenv("FLUXLOOP_SAMPLE_RATE", "lots")
    with caplog.at_level(logging.WARNING):
        assert resolve_settings({}).sample_rate == 1.0
    assert "FLUXLOOP_SAMPLE_RATE" in caplog.text


def test_every_option_has_a_doc_and_parser_when_it_has_variables() -> None:
    for option in OPTIONS:
        assert option.doc
        assert not option.env or option.parse is not None, option.name


def test_disabled_is_a_pass_through(tracing) -> None:
    @fl.agent()
    def agent_fn(x: int) -> int:
        return x + 1

    fl.configure(tracer_provider=tracing.provider, enabled=False)
    assert agent_fn(1) == 2
    with fl.instrument("off") as ctx:
        assert not ctx.is_enabled()
    assert tracing.spans() == []


def test_sample_rate_zero_records_nothing(tmp_path: Path) -> None:
    script = """
        import fluxloop_otel as fl
        @fl.agent()
        def run(x): return x
        for i in range(20): run(i)
        fl.force_flush()
    """
    _run(script, tmp_path, FLUXLOOP_SAMPLE_RATE="0")
    assert not (tmp_path / "traces" / "observations.jsonl").exists()


def test_daily_file_names(tracing) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), daily_files=True)

    @fl.agent()
    def daily() -> str:
        return "d"

    daily()
    fl.force_flush()
    names = sorted(p.name for p in tracing.directory.iterdir())
    assert len(names) == 2 and names[0].startswith("observations_") and names[1].startswith("traces_")


def test_load_env(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".env").write_text('# comment\nexport FLUXLOOP_OFFLINE_DIR="/from/env"\nFLUXLOOP_DEBUG=false # trailing\n')
    assert fl.load_env(tmp_path)
    assert os.environ["FLUXLOOP_OFFLINE_DIR"] == "/from/env" and os.environ["FLUXLOOP_DEBUG"] == "false"
    assert not fl.load_env(tmp_path / "missing.env")


def _run(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FLUXLOOP_", "OTEL_"))}
    environment.update({"FLUXLOOP_OFFLINE_DIR": str(cwd / "traces"), **env})
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def test_ported_sdk_agent_without_configure_installs_a_provider(tmp_path: Path) -> None:
    """Only the import line changed: the first traced call configures from the environment."""
    script = """
        import fluxloop_otel as fluxloop
        from opentelemetry import trace

        @fluxloop.agent()
        def run(input: str) -> str:
            return input.upper()

        print(run("hi"))
        provider = trace.get_tracer_provider()
        print(type(provider).__module__, provider.resource.attributes["service.name"])
    """
    result = _run(script, tmp_path, FLUXLOOP_SERVICE_NAME="my-agent")
    assert result.stdout.split() == ["HI", "opentelemetry.sdk.trace", "my-agent"]
    records = [json.loads(line) for line in (tmp_path / "traces" / "observations.jsonl").read_text().splitlines()]
    assert [(r["type"], r["name"], r["output"]) for r in records] == [("agent", "run", "HI")]


def test_attaches_to_the_users_provider_instead_of_replacing_it(tmp_path: Path) -> None:
    script = """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        exporter = InMemorySpanExporter()
        mine = TracerProvider()
        mine.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(mine)

        import fluxloop_otel as fluxloop

        @fluxloop.tool()
        def lookup(q: str) -> str:
            return q

        lookup("x")
        assert trace.get_tracer_provider() is mine
        print([s.name for s in exporter.get_finished_spans()])
    """
    result = _run(script, tmp_path)
    assert result.stdout.strip() == "['execute_tool lookup']"
    assert "execute_tool" not in result.stderr
    assert (tmp_path / "traces" / "observations.jsonl").exists()  # JSONL processor attached to it


def test_interpreter_exit_without_shutdown_flushes(tmp_path: Path) -> None:
    script = """
        import fluxloop_otel as fl
        @fl.tool()
        def t(i): return i
        for i in range(500): t(i)
        # no force_flush(), no shutdown(): the atexit hook writes the rest
    """
    _run(script, tmp_path, FLUXLOOP_FLUSH_INTERVAL="60")
    assert len((tmp_path / "traces" / "observations.jsonl").read_text().splitlines()) == 500
