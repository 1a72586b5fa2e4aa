"""``fluxloop-otel doctor``: what fluxloop-otel would do in this environment, and whether it can.

Prints the effective settings and where each came from (an environment variable or the
default), where the FluxLoop files go (and whether that directory is writable), which
instrumentations are on, and whether the OTLP endpoint answers. Exit status 0 when nothing is
wrong, 1 when a problem was found (each listed at the end).

``configure()`` arguments live in the program, not here: a value a program passes to
``configure()`` beats what doctor shows for its environment.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from fluxloop_otel.config.options import OPTIONS, Option, resolve_settings

#: Options whose value cannot come from the environment or is not worth printing.
_CODE_ONLY = {"redact", "tracer_provider"}
_SECRET_HINTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "HEADERS")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "doctor",
        help="show the effective settings and their sources, where traces go, instrumentations, OTLP reachability",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "--env-file", metavar="PATH", help="load this .env file first (as load_env(PATH, override=False))"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how long to wait for the OTLP endpoint (default 2)",
    )
    parser.set_defaults(handler=run)


def _shown(option: Option, value: Any) -> str:
    if option.name == "file_mode" and isinstance(value, int):
        return oct(value)
    if option.name == "otlp_headers" and value:
        return "(set, hidden)"
    if isinstance(value, tuple):
        return ", ".join(value) or "()"
    return repr(value) if isinstance(value, str) else str(value)


def _settings_lines(settings: Any, report: Report) -> list[str]:
    rows = []
    for option in OPTIONS:
        if option.name in _CODE_ONLY:
            continue
        source = settings.source(option.name).removeprefix("env ")
        rows.append((option.name, _shown(option, settings.values.get(option.name)), source))
    report.problems.extend(settings.problems)
    headers = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or os.environ.get(
        "OTEL_EXPORTER_OTLP_HEADERS"
    )
    if headers:
        rows.append(("(OTLP headers)", "(set, hidden)", "OTEL_EXPORTER_OTLP_(TRACES_)HEADERS"))
    width = max(len(value) for _, value, _ in rows)
    return [f"{name:<24} {value:<{width}}  from {source}" for name, value, source in rows]


def _files_section(settings: Any, report: Report) -> list[str]:
    if not settings.enabled:
        return ["tracing is off (enabled=False): no files are written"]
    if not settings.offline_store_enabled:
        return ["FluxLoop JSONL files are off (offline_store_enabled=False)"]
    directory = Path(os.path.abspath(settings.offline_store_dir))
    names = (
        ("observations_YYYYMMDD.jsonl", "traces_YYYYMMDD.jsonl")
        if settings.daily_files
        else ("observations.jsonl", "traces.jsonl")
    )
    lines = [f"FluxLoop JSONL files: {directory}/{{{', '.join(names)}}}"]
    existing = directory
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        report.problems.append(f"{existing} is not a directory: the JSONL files cannot be written under it")
    elif not os.access(existing, os.W_OK | os.X_OK):
        report.problems.append(f"{existing} is not writable: the JSONL files cannot be written")
    elif existing != directory:
        lines.append(f"  (does not exist yet; it will be created in {existing})")
    else:
        for name in ("observations.jsonl", "traces.jsonl"):
            path = directory / name
            if path.is_file():
                lines.append(f"  {name}: {path.stat().st_size:,} bytes")
    return lines


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _instrumentations(settings: Any) -> list[str]:
    from fluxloop_otel.config import signals

    def state(switch: bool, module: str, extra: str) -> str:
        if not switch:
            return "off (setting)"
        return "on" if _installed(module) else f"on, but not installed ({extra})"

    lines = [
        f"LangChain / LangGraph: {state(settings.instrument_langchain, 'langchain_core', 'pip install langchain-core')}",
        "threading (context across threads): "
        + state(
            settings.instrument_threading,
            "opentelemetry.instrumentation.threading",
            "pip install 'fluxloop-otel[threading]'",
        ),
        f"FluxLoop SDK bridge: {'on (fluxloop installed)' if _installed('fluxloop') else 'not needed (fluxloop SDK not installed)'}",
        f"flush on SIGTERM: {'on' if os.environ.get(signals.ENV_VARIABLE, '').lower() in ('1', 'true', 'yes', 'on') else 'off'}"
        f" ({signals.ENV_VARIABLE} or fluxloop_otel.flush_on_sigterm())",
    ]
    try:
        from importlib.metadata import entry_points

        names = sorted({ep.name for ep in entry_points(group="opentelemetry_instrumentor")})
    except Exception:  # pragma: no cover - broken metadata
        names = []
    if names:
        lines.append(
            f"OpenTelemetry instrumentors installed (used by opentelemetry-instrument): {', '.join(names)}"
        )
    return lines


def probe(endpoint: str, protocol: str, timeout: float) -> tuple[bool, str]:
    """Whether an OTLP endpoint answers: ``(True, how)`` or ``(False, why not)``."""
    from fluxloop_otel.export.otlp import http_traces_url

    url = endpoint if "://" in endpoint else f"http://{endpoint}"
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or (4317 if protocol == "grpc" else 443 if parts.scheme == "https" else 4318)
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        return False, f"{host}:{port} does not answer: {exc.strerror or exc}"
    connect_ms = (time.monotonic() - started) * 1000
    if protocol == "grpc":
        return True, f"{host}:{port} accepts connections ({connect_ms:.0f} ms; gRPC)"
    target = http_traces_url(url)
    request = urllib.request.Request(
        target, data=b"", method="POST", headers={"Content-Type": "application/x-protobuf"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the user's endpoint
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return False, f"{target}: connected, but the HTTP request failed: {getattr(exc, 'reason', exc)}"
    if status == 404:
        return False, f"{target} answers 404: no OTLP receiver at this path"
    return True, f"{target} answers HTTP {status} ({connect_ms:.0f} ms to connect)"


def _otlp_section(settings: Any, timeout: float, report: Report) -> list[str]:
    endpoint = settings.otlp_endpoint
    if not endpoint:
        return ["OTLP export: off (set OTEL_EXPORTER_OTLP_ENDPOINT or configure(otlp_endpoint=...))"]
    lines = [
        f"OTLP export: {endpoint} ({settings.otlp_protocol}); content {'sent' if settings.otlp_capture_content else 'withheld'}"
    ]
    ok, detail = probe(endpoint, settings.otlp_protocol, timeout)
    lines.append(f"  {'answers' if ok else 'PROBLEM'}: {detail}")
    if not ok:
        report.problems.append(
            f"OTLP endpoint: {detail} (spans for it are dropped; the JSONL files are not affected)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    from fluxloop_otel.cli.errors import readable_file

    if args.env_file:
        from fluxloop_otel.config.dotenv import load_env

        load_env(readable_file(args.env_file, ".env file"), override=False, refresh_config=False)
    console = Console(highlight=False, soft_wrap=True)
    report = Report()
    logger = logging.getLogger("fluxloop_otel")
    level = logger.level
    logger.setLevel(logging.ERROR)  # invalid values are reported below instead of logged
    try:
        settings = resolve_settings({})
    finally:
        logger.setLevel(level)
    for title, lines in (
        ("settings (value, and where it came from)", _settings_lines(settings, report)),
        ("where traces go", _files_section(settings, report)),
        ("instrumentations", _instrumentations(settings)),
        ("OTLP", _otlp_section(settings, args.timeout, report)),
    ):
        console.print(f"[bold]{title}[/bold]")
        for line in lines:
            console.print(f"  {line}")
        console.print()
    console.print("(a program's own configure() arguments beat the environment shown here)", style="dim")
    if report.problems:
        console.print(f"[red]{len(report.problems)} problem(s):[/red]")
        for problem in report.problems:
            console.print(f"  [red]-[/red] {problem}")
        return 1
    console.print("[green]no problems found[/green]")
    return 0
