"""The runner's terminal output: progress bar, per-run lines off a terminal, summary statistics."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from fluxloop_otel.runner.report import RunProgress, print_summary
from fluxloop_otel.runner.results import ExperimentResult, RunResult, percentile


def _run(index: int, duration: float, success: bool = True, tokens: float | None = None) -> RunResult:
    usage = (
        {"prompt_tokens": tokens, "completion_tokens": 1.0, "total_tokens": tokens + 1.0}
        if tokens is not None
        else None
    )
    return RunResult(
        trace_id=f"trace-{index}",
        iteration=0,
        persona=None,
        input=f"input {index}",
        duration_ms=duration,
        success=success,
        error=None if success else "it broke",
        error_type=None if success else "ValueError",
        token_usage=usage,
    )


RESULT = ExperimentResult(
    "demo",
    [
        _run(0, 10.0, tokens=5),
        _run(1, 20.0, tokens=7),
        _run(2, 30.0),
        _run(3, 40.0),
        _run(4, 999.0, success=False),
    ],
    0.5,
    "/tmp/exp_x",
)


def test_percentiles_and_totals() -> None:
    assert percentile([], 50) is None and percentile([3.0], 95) == 3.0
    assert RESULT.latency_percentile(50) == 25.0  # successful runs only: 10, 20, 30, 40
    assert RESULT.latency_percentile(95) == pytest.approx(38.5)
    assert RESULT.token_totals == {"prompt_tokens": 12.0, "completion_tokens": 2.0, "total_tokens": 14.0}
    assert (RESULT.success_rate, RESULT.avg_duration_ms) == (0.8, 25.0)


def test_summary_table() -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=120), RESULT)
    text = out.getvalue()
    for expected in (
        "runs",
        "│ 5",
        "successes",
        "│ 4",
        "failures",
        "│ 1",
        "25.0 ms",
        "38.5 ms",
        "12 / 2 / 14",
        "experiment directory: /tmp/exp_x",
    ):
        assert expected in text, expected
    assert "failed iteration 0 input 'input 4': ValueError: it broke" in text


def test_progress_bar_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with RunProgress(console, 2) as progress:
        progress.advance(_run(0, 1.0))
        progress.advance(_run(1, 1.0, success=False))
    text = out.getvalue()
    assert "2/2" in text and "1 failed" in text and "run 1/2" not in text


def test_plain_lines_off_a_terminal_and_quiet_mode() -> None:
    out = io.StringIO()
    with RunProgress(Console(file=out, width=100), 2) as progress:
        progress.advance(_run(0, 1.5))
        progress.advance(_run(1, 2.0, success=False))
    assert out.getvalue().splitlines() == [
        "run 1/2 ok 1.5 ms trace trace-0",
        "run 2/2 FAILED (ValueError: it broke) 2.0 ms trace trace-1",
    ]
    quiet = io.StringIO()
    with RunProgress(Console(file=quiet), 1, enabled=False) as progress:
        progress.advance(_run(0, 1.0))
    assert quiet.getvalue() == ""
