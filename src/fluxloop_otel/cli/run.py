"""``fluxloop-otel run [TARGET] --inputs FILE``: a FluxLoop experiment directory from any target."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from fluxloop_otel.cli.errors import UsageError
from fluxloop_otel.runner import Options, RunnerError, Session, build_config
from fluxloop_otel.runner.report import RunProgress, print_summary


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "run",
        help="run a target over an inputs file and write a FluxLoop experiment directory",
        description="Run TARGET once per input and iteration (each run one trace) and write exp_YYYYMMDD_HHMMSS/ "
        "for `fluxloop parse experiment` and `fluxloop evaluate experiment`. Values not given here come from "
        "--config (default: ./configs/simulation.yaml when present).",
    )
    parser.add_argument(
        "target",
        nargs="?",
        help="'pkg.module:function', 'module:instance.method', 'module:Class.method' or 'file.py:function'",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="simulation.yaml, a configs/ directory or a project directory",
    )
    parser.add_argument(
        "--inputs",
        type=Path,
        metavar="FILE",
        help="inputs file: generated.yaml shape, .json, .jsonl or text (one input per line); - reads standard input",
    )
    parser.add_argument(
        "--iterations", type=int, metavar="N", help="passes over the inputs (default 1 or the config's)"
    )
    parser.add_argument(
        "--output", metavar="DIR", help="directory for exp_*/ (default: <project>/experiments)"
    )
    parser.add_argument("--name", help="experiment name (trace names are <name>_iter<N>)")
    parser.add_argument(
        "--max-duration",
        metavar="DURATION",
        help="fail a run that takes longer (e.g. 120s, 2m, 500ms; 0 = no limit)",
    )
    parser.add_argument(
        "--output-char-limit", metavar="N", help="cut stored outputs to N characters (0 = no limit)"
    )
    parser.add_argument(
        "--input-char-limit",
        metavar="N",
        help="cut stored inputs to N characters (default 20000; 0 = no limit); the target always gets all of it",
    )
    parser.add_argument(
        "--working-directory",
        type=Path,
        metavar="DIR",
        help="directory put on sys.path for the target (default: project root)",
    )
    parser.add_argument(
        "--python-path",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra sys.path entry (repeatable)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or per-run lines")
    parser.add_argument("--fail-on-error", action="store_true", help="exit with status 1 when any run failed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = Options(
        target=args.target,
        config=args.config,
        inputs=args.inputs,
        iterations=args.iterations,
        output=args.output,
        name=args.name,
        max_duration=args.max_duration,
        output_char_limit=args.output_char_limit,
        input_char_limit=args.input_char_limit,
        working_directory=args.working_directory,
        python_path=list(args.python_path),
    )
    console = Console()
    try:
        config = build_config(options)
        warn = Console(stderr=True, highlight=False, soft_wrap=True)
        for warning in config.warnings:
            warn.print(f"[yellow]warning:[/yellow] {warning}")
        session = Session(config)
        session.prepare()
        with RunProgress(console, len(session.runs), enabled=not args.no_progress) as progress:
            result = session.execute(progress.advance)
    except RunnerError as exc:
        raise UsageError(str(exc)) from exc
    print_summary(console, result)
    return 1 if args.fail_on_error and result.failed else 0
