"""``fluxloop-otel show`` renders trees from the files fluxloop-otel writes."""

from __future__ import annotations

from pathlib import Path

import fluxloop_otel as fl
from fluxloop_otel.cli.main import main


def test_show_renders_the_trace_tree(tracing, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    @fl.tool()
    def lookup(q: str) -> str:
        raise KeyError(q)

    @fl.prompt(model="fake")
    def answer(q: str) -> dict:
        return {"text": "ok", "usage": {"prompt_tokens": 3, "completion_tokens": 2}}

    @fl.agent()
    def bot(q: str) -> str:
        try:
            lookup(q)
        except KeyError:
            pass
        return answer(q)["text"]

    with fl.instrument("session"):
        bot("hello")
    tracing.flush()
    with (tracing.directory / "observations.jsonl").open("a") as handle:
        handle.write("{torn line\n")
    assert main(["show", str(tracing.directory)]) == 0
    out = capsys.readouterr().out
    assert "trace session" in out and "3 observations, 5 tokens, 1 error(s)" in out
    lines = out.splitlines()
    agent_line = next(i for i, line in enumerate(lines) if "agent" in line and "bot" in line)
    tool_line = next(i for i, line in enumerate(lines) if "tool" in line and "lookup" in line)
    assert tool_line > agent_line and lines[tool_line].index("tool") > lines[agent_line].index("agent")  # nested
    assert "KeyError" in out and "tokens 3→2 (Σ 5)" in out
    assert "skipped 1 malformed line(s)" in out and "observations.jsonl:4" in out


def test_show_errors_are_clear(tmp_path: Path, capsys) -> None:
    assert main(["show", str(tmp_path / "missing")]) == 2
    assert "missing: no such directory" in capsys.readouterr().err
    assert main(["show", str(tmp_path)]) == 2
    assert "no observations.jsonl" in capsys.readouterr().err
