"""``fluxloop-otel doctor``: settings and their sources, where files go, instrumentations, OTLP reachability."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from fluxloop_otel.cli.main import main

from support.otlp_servers import refused_port


@pytest.fixture
def otlp_http() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200 if self.path == "/v1/traces" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["doctor", "--timeout", "1", *args])
    return code, capsys.readouterr().out


def test_settings_sources_files_and_instrumentations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", str(tmp_path))
    monkeypatch.setenv("FLUXLOOP_SAMPLE_RATE", "0.25")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "support-agent")
    (tmp_path / "observations.jsonl").write_text("{}\n")
    code, out = _doctor(capsys)
    assert code == 0, out
    assert any(
        line.split()[:2] == ["sample_rate", "0.25"] and line.endswith("from FLUXLOOP_SAMPLE_RATE")
        for line in out.splitlines()
    )
    assert any(
        "service_name" in line and "'support-agent'" in line and line.endswith("from OTEL_SERVICE_NAME")
        for line in out.splitlines()
    )
    assert any(line.split()[0] == "batch_size" and line.endswith("from default") for line in out.splitlines())
    assert f"FluxLoop JSONL files: {tmp_path}/{{observations.jsonl, traces.jsonl}}" in out
    assert "observations.jsonl: 3 bytes" in out
    assert "LangChain / LangGraph: on" in out and "threading (context across threads): on" in out
    assert "OTLP export: off" in out and "no problems found" in out


def test_invalid_values_and_an_endpoint_that_is_down_are_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    port = refused_port()
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", str(tmp_path))
    monkeypatch.setenv("FLUXLOOP_BATCH_SIZE", "many")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    code, out = _doctor(capsys)
    assert code == 1
    assert "ignoring FLUXLOOP_BATCH_SIZE='many' (invalid literal for int() with base 10: 'many'); using the default 512" in out
    assert f"127.0.0.1:{port} does not answer: Connection refused" in out
    assert "2 problem(s)" in out


@pytest.mark.parametrize("path, answers", [("", True), ("/elsewhere", False)])
def test_a_live_http_endpoint_answers(
    otlp_http: str, path: str, answers: bool, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", str(tmp_path))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_http + path)
    code, out = _doctor(capsys)
    if answers:
        assert code == 0 and f"answers: {otlp_http}/v1/traces answers HTTP 200" in out, out
    else:
        assert code == 1 and "answers 404: no OTLP receiver at this path" in out, out


def test_env_file_is_loaded_and_a_missing_one_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", str(tmp_path))
    (tmp_path / ".env").write_text("FLUXLOOP_MAX_CONTENT_CHARS=123\n")
    code, out = _doctor(capsys, "--env-file", str(tmp_path / ".env"))
    assert code == 0 and any(line.split()[:2] == ["max_content_chars", "123"] for line in out.splitlines())
    monkeypatch.delenv("FLUXLOOP_MAX_CONTENT_CHARS")
    assert main(["doctor", "--env-file", str(tmp_path / "nope.env")]) == 2
    assert capsys.readouterr().err.strip().endswith("nope.env: no such file")


def test_unwritable_directory_is_a_problem(tmp_path: Path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("FLUXLOOP_OFFLINE_DIR", str(blocker / "traces"))
    code, out = _doctor(capsys)
    assert code == 1 and f"{blocker} is not a directory" in out
