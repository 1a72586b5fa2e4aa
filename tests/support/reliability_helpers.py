"""Shared checks of the reliability tests: strict JSONL reading, span <-> record consistency,
and running Python snippets in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from opentelemetry.sdk.trace import ReadableSpan

from fluxloop_otel.semconv.ids import observation_uuid, trace_uuid

from support.environment import clean_environment as python_env


class TornLine(AssertionError):
    """A line of a JSONL file that does not parse."""


def read_lines(path: Path, offset: int = 0) -> tuple[list[bytes], bytes]:
    """The newline-terminated lines of ``path`` from byte ``offset`` on, and the unterminated
    tail (b"" when none)."""
    if not path.exists():
        return [], b""
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n") + 1
    return data[:end].splitlines(), data[end:]


def parse_strict(
    path: Path, *, allow_unterminated_tail: bool = False, offset: int = 0
) -> list[dict[str, Any]]:
    """Every line of ``path`` (from byte ``offset``, a line start) as JSON; raises
    :class:`TornLine` naming the first bad line.

    ``allow_unterminated_tail`` tolerates (and ignores) a final fragment without a newline,
    which is what a process killed inside a multi-page ``write`` leaves until the next write.
    """
    lines, tail = read_lines(path, offset)
    if tail and not allow_unterminated_tail:
        raise TornLine(f"{path}: unterminated last line ({len(tail)} bytes): {tail[:80]!r}")
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise TornLine(
                f"{path}: line {number} after byte {offset} does not parse ({exc}): {line[:120]!r}"
            ) from None
        if not isinstance(record, dict):
            raise TornLine(f"{path}:{number}: not an object: {line[:120]!r}")
        records.append(record)
    return records


def hex_id(value: int, width: int = 16) -> str:
    return format(value, f"0{width}x")


def check_records_match_spans(
    spans: Sequence[ReadableSpan], observations: Sequence[dict[str, Any]], traces: Sequence[dict[str, Any]]
) -> None:
    """Every span is exactly one observation line (ids derived from the OTel ids, parent link
    equal to the OTel parent) and every root span exactly one trace line."""
    span_ids = Counter((s.context.trace_id, s.context.span_id) for s in spans)
    duplicated = [key for key, count in span_ids.items() if count > 1]
    assert not duplicated, f"{len(duplicated)} span(s) exported more than once"
    by_record_id = Counter(record["id"] for record in observations)
    assert all(count == 1 for count in by_record_id.values()), "an observation was written twice"
    records = {record["id"]: record for record in observations}
    assert len(records) == len(spans), f"{len(spans)} spans but {len(records)} observation lines"
    roots = 0
    for span in spans:
        trace_id, span_id = span.context.trace_id, span.context.span_id
        record = records.get(observation_uuid(trace_id, span_id))
        assert record is not None, f"span {span.name} ({hex_id(span_id)}) has no observation line"
        assert record["trace_id"] == trace_uuid(trace_id)
        assert record["id"].replace("-", "")[16:] == hex_id(span_id)
        assert record["id"].replace("-", "")[:16] == hex_id(trace_id, 32)[:16]
        if span.parent is None:
            roots += 1
            assert "parent_observation_id" not in record, f"root {span.name} has a parent in its record"
        else:
            assert span.parent.trace_id == trace_id
            assert record["parent_observation_id"] == observation_uuid(trace_id, span.parent.span_id)
    trace_ids = Counter(record["id"] for record in traces)
    assert all(count == 1 for count in trace_ids.values()), "a trace line was written twice"
    assert set(trace_ids) == {trace_uuid(s.context.trace_id) for s in spans if s.parent is None}
    assert len(traces) == roots


def run_python(
    script: str | Path,
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    check: bool = True,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``python -c script args`` (``python script args`` for a path) in a clean environment;
    asserts exit 0 unless ``check`` is False."""
    program = [str(script)] if isinstance(script, Path) else ["-c", textwrap.dedent(script)]
    done = subprocess.run(
        [sys.executable, *program, *args],
        cwd=cwd,
        env=python_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    return done


def popen_python(script: str, *args: str, **env: str) -> subprocess.Popen[str]:
    """Start ``python -c script args`` (stdout piped, line-buffered text)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=python_env(PYTHONUNBUFFERED="1", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def warnings_of(records: Iterable[Any], prefix: str = "fluxloop_otel") -> list[str]:
    """Messages of WARNING-or-worse log records from ``prefix`` loggers."""
    import logging

    return [r.getMessage() for r in records if r.levelno >= logging.WARNING and r.name.startswith(prefix)]


def jsonl_processor() -> Any:
    """The FluxLoopJsonlSpanProcessor that configure() installed."""
    from fluxloop_otel.config import setup
    from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor

    return next(
        p for f in setup._fanouts.values() for p in f.processors if isinstance(p, FluxLoopJsonlSpanProcessor)
    )
