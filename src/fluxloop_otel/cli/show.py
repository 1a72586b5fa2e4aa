"""``fluxloop-otel show [DIR]``: FluxLoop traces in a directory as trees in the terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from fluxloop_otel.cli.errors import PathError, UsageError, cause, readable_directory, readable_file
from fluxloop_otel.export.fluxloop.records import format_cost, record_cost, total_cost

_TYPE_STYLES = {
    "agent": "bold magenta",
    "tool": "cyan",
    "generation": "green",
    "retrieval": "yellow",
    "embedding": "yellow",
    "chain": "blue",
    "span": "white",
    "event": "dim",
    "evaluation": "bright_blue",
}


@dataclass
class Node:
    record: dict[str, Any]
    children: list["Node"] = field(default_factory=list)


@dataclass
class Malformed:
    """Lines that are not JSON objects, and records without the fields a tree needs."""

    count: int = 0
    first: str | None = None
    wrong_shape: int = 0
    first_wrong: str | None = None

    def bad_line(self, where: str) -> None:
        self.count += 1
        self.first = self.first or where

    def bad_record(self, where: str, problem: str) -> None:
        self.wrong_shape += 1
        self.first_wrong = self.first_wrong or f"{where} ({problem})"


#: Fields an observation line must have, with their JSON types (FORMAT.md).
_OBSERVATION_FIELDS = (("id", str), ("trace_id", str), ("type", str), ("name", str))


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("show", help="render the traces of a FluxLoop directory as trees")
    parser.add_argument("directory", nargs="?", default=None, help="directory with observations.jsonl (default: $FLUXLOOP_OFFLINE_DIR or ./traces)")
    parser.add_argument("--last", type=int, default=5, metavar="N", help="show the last N traces (default 5; 0 = all)")
    parser.add_argument("--trace", metavar="ID", help="show only this trace id (a prefix is enough)")
    parser.add_argument("--observation", metavar="ID", help="print one observation in full, every field (a prefix of its id is enough)")
    parser.add_argument("--no-io", action="store_true", help="hide inputs and outputs")
    parser.set_defaults(handler=run)


def _files(directory: Path, stem: str) -> list[Path]:
    exact = directory / f"{stem}.jsonl"
    daily = sorted(directory.glob(f"{stem}_[0-9]*.jsonl"))
    present = daily + ([exact] if os.path.lexists(exact) else [])
    return [readable_file(path, "JSONL file") for path in present]


def _read_jsonl(paths: list[Path], malformed: Malformed) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file:line, record)`` for every JSON object line; other lines are counted in ``malformed``."""
    for path in paths:
        try:
            handle = path.open("r", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise PathError(path, f"cannot read: {cause(exc)}") from None
        with handle:
            try:
                for number, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        malformed.bad_line(f"{path}:{number}")
                        continue
                    if isinstance(record, dict):
                        yield f"{path}:{number}", record
                    else:
                        malformed.bad_record(f"{path}:{number}", f"a JSON {type(record).__name__}, not an object")
            except OSError as exc:
                raise PathError(path, f"cannot read: {cause(exc)}") from None


def _shape_problem(record: dict[str, Any]) -> str | None:
    """Why an observation record cannot be drawn (None when it can)."""
    for name, kind in _OBSERVATION_FIELDS:
        if name not in record:
            return f"no '{name}'"
        if not isinstance(record[name], kind):
            return f"'{name}' is {type(record[name]).__name__}, not a string"
    return None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _duration_ms(record: dict[str, Any]) -> float | None:
    start, end = _parse_time(record.get("start_time")), _parse_time(record.get("end_time"))
    if start is None or end is None:
        return None
    return (end - start).total_seconds() * 1000


def _short(value: Any, limit: int = 64) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(record: dict[str, Any], show_io: bool) -> Text:
    kind = str(record.get("type", "span"))
    text = Text()
    text.append(f"{kind:<11}", style=_TYPE_STYLES.get(kind, "white"))
    text.append(str(record.get("name", "?")), style="bold")
    duration = _duration_ms(record)
    if duration is not None:
        text.append(f"  {duration:,.1f} ms", style="dim")
    if record.get("model"):
        text.append(f"  {record['model']}", style="green")
    if "total_tokens" in record or "prompt_tokens" in record:
        text.append(
            f"  tokens {record.get('prompt_tokens', 0)}→{record.get('completion_tokens', 0)} (Σ {record.get('total_tokens', 0)})",
            style="green",
        )
    cost = record_cost(record)
    if cost is not None:
        text.append(f"  {format_cost(cost)}", style="green")
    usage = record.get("metadata", {}).get("duplicate_usage") if isinstance(record.get("metadata"), dict) else None
    if isinstance(usage, dict) and "total_tokens" not in record:
        text.append(f"  tokens {usage.get('prompt_tokens', 0)}→{usage.get('completion_tokens', 0)} (counted in the nested call)", style="dim green")
    if record.get("error") is not None or record.get("level") == "error":
        metadata = record.get("metadata")
        error_type = metadata.get("error_type", "error") if isinstance(metadata, dict) else "error"
        text.append(f"  ✗ {error_type}: {_short(record.get('error', ''), 60)}", style="bold red")
    if show_io:
        if "input" in record:
            text.append(f"\n  in:  {_short(record['input'])}", style="dim")
        if "output" in record:
            text.append(f"\n  out: {_short(record['output'])}", style="dim")
    return text


_MODEL_TYPES = ("generation", "embedding")


def billed_tokens(observations: list[dict[str, Any]]) -> int:
    """Total tokens of a trace, once per model call.

    A generation (or embedding) with a directly nested model observation that carries tokens
    is the same call recorded twice (our span and a provider instrumentation's): only the
    nested one counts. Files written by this version already say so (``metadata.duplicate_usage``
    instead of top-level counts); this also sums older files right.
    """
    def counts(record: dict[str, Any]) -> int | None:
        value = record.get("total_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) else None  # hand-edited files

    counted_parents = {
        str(r.get("parent_observation_id"))
        for r in observations
        if r.get("type") in _MODEL_TYPES and counts(r) is not None and r.get("parent_observation_id")
    }
    return sum(
        counts(r) or 0
        for r in observations
        if not (r.get("type") in _MODEL_TYPES and str(r.get("id")) in counted_parents)
    )


def build_trees(observations: list[dict[str, Any]]) -> list[Node]:
    """Observation records of one trace as trees (children sorted by start time)."""
    nodes = {str(r.get("id")): Node(r) for r in observations}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(str(node.record.get("parent_observation_id")))
        (parent.children if parent is not None and parent is not node else roots).append(node)
    key = lambda n: (str(n.record.get("start_time", "")), str(n.record.get("end_time", "")))  # noqa: E731
    for node in nodes.values():
        node.children.sort(key=key)
    roots.sort(key=key)
    return roots


def _add(tree: Tree, node: Node, show_io: bool) -> None:
    branch = tree.add(_label(node.record, show_io))
    for child in node.children:
        _add(branch, child, show_io)


def _console() -> Console:
    """Rich console; off a terminal (piped) lines are not wrapped at 80 columns."""
    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=100_000, soft_wrap=True)


def _trace_id(record: dict[str, Any]) -> str | None:
    value = record.get("id", record.get("trace_id"))
    return value if isinstance(value, str) and value else None


def _trace_title(trace: dict[str, Any]) -> str:
    """The header name: a trace line's ``name``, or for an experiment's ``traces.jsonl`` (written by
    ``run``: one summary per run) the iteration, persona and input."""
    name = trace.get("name")
    if isinstance(name, str) and name:
        return name
    if "iteration" in trace or "input" in trace:
        title = f"run iteration {trace.get('iteration', '?')}"
        if trace.get("persona"):
            title += f" persona {trace['persona']}"
        if "input" in trace:
            title += f" input {_short(trace['input'], 48)}"
        if trace.get("success") is False:
            title += " (failed)"
        return title
    return "(no trace line)"


def _trace_duration(trace: dict[str, Any]) -> float | None:
    duration = _duration_ms(trace)
    if duration is None and isinstance(trace.get("duration_ms"), (int, float)):
        duration = float(trace["duration_ms"])
    return duration


def _show_observation(console: Console, wanted: str, observations: list[dict[str, Any]], directory: Path) -> int:
    matches = [r for r in observations if str(r.get("id", "")).startswith(wanted)]
    if not matches:
        raise UsageError(f"no observation with id starting {wanted!r} in {directory}")
    if len({r.get("id") for r in matches}) > 1:
        ids = ", ".join(sorted({str(r.get("id")) for r in matches})[:5])
        raise UsageError(f"{wanted!r} matches {len(matches)} observations ({ids}...); give more of the id")
    console.print_json(json.dumps(matches[-1], ensure_ascii=False, default=str))
    return 0


def run(args: argparse.Namespace) -> int:
    directory = Path(args.directory or os.environ.get("FLUXLOOP_OFFLINE_DIR") or "./traces")
    readable_directory(directory, "directory")
    observation_files = _files(directory, "observations")
    if not observation_files:
        raise UsageError(f"no observations.jsonl in {directory}")
    malformed = Malformed()
    traces: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for where, record in _read_jsonl(_files(directory, "traces"), malformed):
        trace_id = _trace_id(record)
        if trace_id is None:
            malformed.bad_record(where, "no 'id' or 'trace_id' string")
            continue
        if trace_id not in traces:
            order.append(trace_id)
        traces[trace_id] = record
    by_trace: dict[str, list[dict[str, Any]]] = {}
    every: list[dict[str, Any]] = []
    for where, record in _read_jsonl(observation_files, malformed):
        problem = _shape_problem(record)
        if problem is not None:
            malformed.bad_record(where, problem)
            continue
        trace_id = record["trace_id"]
        if trace_id not in by_trace and trace_id not in traces:
            order.append(trace_id)
        by_trace.setdefault(trace_id, []).append(record)
        every.append(record)
    console = _console()
    if args.observation:
        return _show_observation(console, args.observation, every, directory)
    selected = [t for t in order if t in by_trace or t in traces]
    if args.trace:
        selected = [t for t in selected if t.startswith(args.trace)]
        if not selected:
            raise UsageError(f"no trace with id starting {args.trace!r} in {directory}")
    elif args.last > 0:
        selected = selected[-args.last :]
    for trace_id in selected:
        trace = traces.get(trace_id, {})
        observations = by_trace.get(trace_id, [])
        tokens = billed_tokens(observations)
        errors = sum(1 for r in observations if r.get("error") is not None)
        header = Text()
        header.append(f"trace {_trace_title(trace)}", style="bold underline")
        header.append(f"  {trace_id}", style="dim")
        duration = _trace_duration(trace) if trace else None
        if duration is not None:
            header.append(f"  {duration:,.1f} ms")
        header.append(f"  {len(observations)} observations, {tokens} tokens")
        cost = total_cost(observations)
        if cost is not None:
            header.append(f", {format_cost(cost)}")
        if errors:
            header.append(f", {errors} error(s)", style="red")
        tree = Tree(header)
        for root in build_trees(observations):
            _add(tree, root, not args.no_io)
        console.print(tree)
    shown = len(selected)
    console.print(f"[dim]{shown} of {len(order)} trace(s) in {directory}[/dim]")
    if malformed.count:
        console.print(f"[yellow]skipped {malformed.count} malformed line(s), first at {malformed.first}[/yellow]")
    if malformed.wrong_shape:
        console.print(
            f"[yellow]skipped {malformed.wrong_shape} record(s) of the wrong shape, first at {malformed.first_wrong}[/yellow]"
        )
    if not order:
        print(f"fluxloop-otel show: nothing readable in {directory}: no trace or observation record", file=sys.stderr)
        return 1
    return 0
