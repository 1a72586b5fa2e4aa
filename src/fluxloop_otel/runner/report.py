"""Terminal output of a run: a progress bar (or one line per run off a terminal) and the summary table."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from fluxloop_otel.export.fluxloop.records import format_cost
from fluxloop_otel.runner.results import ExperimentResult, RunResult

MAX_LISTED_FAILURES = 5


class RunProgress:
    """``with RunProgress(console, total) as progress: ... progress.advance(result)``."""

    def __init__(self, console: Console, total: int, *, enabled: bool = True) -> None:
        self.console = console
        self.total = total
        self.done = 0
        self._bar: Progress | None = None
        if enabled and console.is_terminal:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("[red]{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                console=console,
            )
            self._task = self._bar.add_task("running", total=total, failed=0)
        self._plain = enabled and self._bar is None
        self._failed = 0

    def __enter__(self) -> "RunProgress":
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)

    def advance(self, result: RunResult) -> None:
        self.done += 1
        self._failed += 0 if result.success else 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self._failed)
        elif self._plain:
            status = "ok" if result.success else f"FAILED ({result.error_type}: {_short(result.error)})"
            self.console.print(
                f"run {self.done}/{self.total} {status} {result.duration_ms:.1f} ms trace {result.trace_id}",
                highlight=False,
                soft_wrap=True,
            )


def summary_table(result: ExperimentResult) -> Table:
    """Runs, successes, failures, p50/p95 latency and token totals."""
    table = Table(title=f"fluxloop-otel run: {result.name}", show_header=False)
    table.add_column("metric", style="cyan")
    table.add_column("value")
    tokens = result.token_totals
    table.add_row("runs", str(len(result.runs)))
    table.add_row("successes", f"[green]{len(result.successful)}[/green]")
    table.add_row("failures", f"[red]{len(result.failed)}[/red]" if result.failed else "0")
    table.add_row("latency p50", _ms(result.latency_percentile(50)))
    table.add_row("latency p95", _ms(result.latency_percentile(95)))
    table.add_row(
        "tokens (prompt / completion / total)",
        " / ".join(_count(tokens[key]) for key in ("prompt_tokens", "completion_tokens", "total_tokens")),
    )
    cost = result.cost_total
    if cost is not None:
        runs = len([run for run in result.successful if run.cost is not None])
        table.add_row("cost (total / per trace)", f"{format_cost(cost)} / {format_cost(cost / runs)}")
    table.add_row("wall time", f"{result.duration_seconds:.2f} s")
    return table


def print_summary(console: Console, result: ExperimentResult) -> None:
    console.print(summary_table(result))
    if result.directory:
        console.print(f"experiment directory: {result.directory}", highlight=False, soft_wrap=True)
    for run in result.failed[:MAX_LISTED_FAILURES]:
        console.print(
            f"[red]failed[/red] iteration {run.iteration} input {_short(run.input)!r}: {run.error_type}: {_short(run.error)}",
            highlight=False,
        )
    if len(result.failed) > MAX_LISTED_FAILURES:
        console.print(f"... and {len(result.failed) - MAX_LISTED_FAILURES} more failures (errors.json)")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(text: Any, limit: int = 80) -> str:
    value = str(text or "").replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 3] + "..."
