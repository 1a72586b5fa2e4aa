"""``fluxloop-otel`` entry point: dispatches to one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)``, which registers its parser and
sets ``handler(args) -> int`` as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from fluxloop_otel.cli.errors import UsageError, describe_os_error
from fluxloop_otel.version import __version__

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

#: Subcommand modules under ``fluxloop_otel.cli`` (one per command).
COMMANDS: tuple[str, ...] = ("show", "run", "convert", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fluxloop-otel", description="FluxLoop files from OpenTelemetry traces.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"fluxloop_otel.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except UsageError as exc:
        if args.debug:
            raise
        print(f"fluxloop-otel {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an ordinary file-system problem no check caught: one line, no traceback
        if args.debug:
            raise
        print(f"fluxloop-otel {args.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
