"""Cost per trace in ``fluxloop-otel show`` and in ``fluxloop-otel run``'s summary."""

from __future__ import annotations

import io

from rich.console import Console

import fluxloop_otel as fl
from fluxloop_otel.cli.main import main
from fluxloop_otel.runner.report import print_summary
from fluxloop_otel.runner.results import ExperimentResult, RunResult

PRICES = {"gpt-4o": {"input": 2.5, "output": 10.0}}


def test_show_prints_the_cost_of_each_generation_and_trace(tracing, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), flush_interval=0.05, price_table=PRICES)

    @fl.prompt(model="gpt-4o")
    def ask(q: str) -> dict:
        return {"text": "ok", "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}

    @fl.agent()
    def bot(q: str) -> str:
        ask(q)
        return ask(q)["text"]

    with fl.instrument("priced"):
        bot("hello")
    tracing.flush()
    assert main(["show", str(tracing.directory)]) == 0
    out = capsys.readouterr().out
    assert "3 observations, 2200 tokens, $0.007" in out  # the trace: 2 x (1000 x 2.5 + 100 x 10) / 1e6
    assert out.count("$0.0035") == 2  # each generation


def _run(index: int, cost: float | None) -> RunResult:
    return RunResult(trace_id=f"t{index}", iteration=index, persona=None, input="x", duration_ms=1.0, success=True, cost=cost)


def test_run_summary_has_total_and_per_trace_cost() -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=120), ExperimentResult("demo", [_run(0, 0.01), _run(1, 0.03), _run(2, None)], 0.1))
    assert "cost (total / per trace)" in out.getvalue() and "$0.04 / $0.02" in out.getvalue()


def test_no_cost_row_without_prices() -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=120), ExperimentResult("demo", [_run(0, None)], 0.1))
    assert "cost" not in out.getvalue()
