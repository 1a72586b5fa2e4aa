"""``fluxloop-otel convert FILE...``: Collector ``file`` exporter output -> FluxLoop JSONL files.

Reads OTLP/JSON lines (plain or gzip, any number of files or directories, spans of any number
of services) and writes ``traces.jsonl`` + ``observations.jsonl``; with ``--experiment DIR``
also an experiment directory ``fluxloop parse experiment DIR`` accepts. Malformed lines are
reported with file and line number and skipped; the exit status is 1 when any were.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from fluxloop_otel.cli.errors import (
    PathError,
    UsageError,
    cause,
    readable_directory,
    readable_file,
    replaceable_file,
    writable_directory,
)
from fluxloop_otel.convert.converter import Converter, ConvertOptions, ConvertReport, OutputError
from fluxloop_otel.export.fluxloop.processor import OBSERVATIONS_FILE, TRACES_FILE
from fluxloop_otel.export.otlp_json.lines import DEFAULT_MAX_LINE_BYTES, input_size
from fluxloop_otel.runner.trace_runs import RunCollector, write_converted_experiment


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "convert",
        help="turn OTLP JSON files (Collector file exporter) into FluxLoop traces.jsonl/observations.jsonl",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="OTLP JSON lines files (plain or .gz) or directories of them")
    parser.add_argument("-o", "--output", default="./traces", metavar="DIR", help="directory for traces.jsonl and observations.jsonl (default ./traces)")
    parser.add_argument("--experiment", metavar="DIR", help="also write a FluxLoop experiment directory (for `fluxloop parse experiment DIR`)")
    parser.add_argument("--service", action="append", default=[], metavar="NAME", help="only spans of this service.name (repeatable)")
    parser.add_argument("--no-foreign-spans", action="store_true", help="skip spans that are not FluxLoop/GenAI/OpenInference observations")
    write_mode = parser.add_mutually_exclusive_group()
    write_mode.add_argument("--append", action="store_true", help="append to existing output files")
    write_mode.add_argument("--overwrite", action="store_true", help="replace existing output files and experiment directory")
    parser.add_argument("--max-line-bytes", type=int, default=DEFAULT_MAX_LINE_BYTES, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--show-problems", type=int, default=20, metavar="N", help="print at most N problems (default 20; all are counted)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def input_files(arguments: list[str]) -> list[str]:
    """Files named on the command line; a directory stands for the files in it (recursively, sorted).

    A path that is missing, unreadable or not a regular file, and a directory that cannot be
    listed, is a :class:`PathError` naming it (nothing is skipped silently).
    """
    files: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            readable_directory(argument, "input directory")

            def fail(exc: OSError, argument: str = argument) -> None:
                raise PathError(exc.filename or argument, f"cannot read input directory: {cause(exc)}")

            for root, directories, names in os.walk(argument, onerror=fail):
                directories.sort()
                files.extend(os.path.join(root, name) for name in sorted(names) if not name.startswith("."))
        else:
            files.append(argument)
    for path in files:
        readable_file(path, "input file")
    return files


def _check_targets(args: argparse.Namespace, files: list[str]) -> None:
    output = writable_directory(args.output, "output directory")
    for name in (TRACES_FILE, OBSERVATIONS_FILE):
        replaceable_file(output / name)
    existing = [output / name for name in (TRACES_FILE, OBSERVATIONS_FILE) if (output / name).exists()]
    if existing and not (args.append or args.overwrite):
        raise UsageError(f"{existing[0]} exists; pass --append to add to it or --overwrite to replace it")
    if args.experiment:
        experiment = writable_directory(args.experiment, "experiment directory")
        if experiment.exists() and any(experiment.iterdir()) and not args.overwrite:
            raise UsageError(f"experiment directory {experiment} is not empty; pass --overwrite to replace its files")


def run(args: argparse.Namespace) -> int:
    files = input_files(args.inputs)
    if not files:
        raise UsageError("no input files found")
    _check_targets(args, files)
    if args.max_line_bytes < 1:
        raise UsageError("--max-line-bytes must be positive")
    out = Console(stderr=True, highlight=False)
    summary = Console(highlight=False, soft_wrap=True)
    shown = 0

    def on_problem(message: str) -> None:
        nonlocal shown
        if shown < args.show_problems:
            out.print(f"[yellow]problem:[/yellow] {message}", markup=True, highlight=False, soft_wrap=True)
        shown += 1

    options = ConvertOptions(
        include_foreign_spans=not args.no_foreign_spans,
        services=frozenset(args.service),
        max_line_bytes=args.max_line_bytes,
        append=args.append,
    )
    collector = RunCollector() if args.experiment else None
    try:
        converter = Converter(args.output, options, collector=collector, on_problem=on_problem)
        try:
            _convert_all(converter, files, quiet=args.quiet or not out.is_terminal, console=out)
        finally:
            converter.close()
    except OutputError as exc:
        raise PathError(exc.path, f"cannot write: {exc.cause}") from None
    report = converter.report
    if collector is not None:
        result = write_converted_experiment(
            Path(args.experiment), collector, converter.observations_path, {"name": "converted", "source": "fluxloop-otel convert", "inputs": files}
        )
        summary.print(f"experiment: {len(result.runs)} run(s) ({len(result.successful)} successful) in {args.experiment}")
    _summary(summary, report, args, shown)
    return 1 if report.problems else 0


def _convert_all(converter: Converter, files: list[str], quiet: bool, console: Console) -> None:
    sizes = [input_size(path) for path in files]
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("converting", total=sum(sizes) or None)
        done = 0
        for path, size in zip(files, sizes):
            progress.update(task, description=Path(path).name[:40])
            last = [0]

            def advance(position: int, last: list[int] = last, size: int = size, done: int = done) -> None:
                if position - last[0] >= 1 << 16 or position >= size:
                    progress.update(task, completed=done + position)
                    last[0] = position

            converter.convert_file(path, advance if not quiet else None)
            done += size
            progress.update(task, completed=done)


def _summary(console: Console, report: ConvertReport, args: argparse.Namespace, shown: int) -> None:
    services = ", ".join(sorted(report.services)) or "-"
    console.print(
        f"{report.spans} span(s) from {report.lines} line(s) in {report.files} file(s) (services: {services}) -> "
        f"{report.observations} observation(s), {report.traces} trace(s) in {args.output}"
    )
    if report.filtered_spans:
        console.print(f"{report.filtered_spans} span(s) of other services skipped (--service)")
    if report.problems:
        hidden = report.problems - min(shown, args.show_problems)
        more = f"; {hidden} more not shown (--show-problems)" if hidden > 0 else ""
        console.print(f"[yellow]{report.problems} problem(s): malformed input skipped{more}[/yellow]")

