"""Faults in the export path never reach the traced program; losses are counted and logged once."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

import fluxloop_otel as fl
from fluxloop_otel.export.fanout import FanOutSpanProcessor
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor


@fl.tool()
def double(x: int) -> int:
    return 2 * x


@fl.tool()
def explode(x: int) -> int:
    raise ZeroDivisionError(f"boom {x}")


def _jsonl_processor() -> FluxLoopJsonlSpanProcessor:
    from fluxloop_otel.config import setup

    fanouts = list(setup._fanouts.values())
    return next(p for f in fanouts for p in f.processors if isinstance(p, FluxLoopJsonlSpanProcessor))


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("fluxloop_otel")]


def _program() -> list[object]:
    """The traced program: return values and exceptions must be the same with and without faults."""
    with fl.instrument("program"):  # 51 observation lines + 1 trace line per run
        results: list[object] = [double(i) for i in range(50)]
        try:
            explode(1)
        except ZeroDivisionError as exc:
            results.append(repr(exc))
    return results


EXPECTED = [2 * i for i in range(50)] + ["ZeroDivisionError('boom 1')"]


def test_directory_path_is_a_file(tracing, tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(blocker / "traces"), flush_interval=0.05)
    with caplog.at_level(logging.WARNING):
        assert _program() == EXPECTED
        assert fl.force_flush(5)
        _program()
        fl.force_flush(5)
    stats = _jsonl_processor().stats
    assert stats.dropped_write_error == 104 and stats.written_lines == 0
    assert len(_warnings(caplog)) == 1  # logged once, counted always
    assert len(tracing.spans()) == 104  # the OTel pipeline is unaffected


def test_file_replaced_by_directory_then_writable_again(tracing, caplog) -> None:
    observations = tracing.directory / "observations.jsonl"
    observations.mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        assert _program() == EXPECTED
        fl.force_flush(5)
    stats = _jsonl_processor().stats
    assert stats.dropped_write_error == 51 and stats.written_lines == 1  # traces.jsonl was fine
    observations.rmdir()  # the fault goes away: writing resumes
    assert _program() == EXPECTED
    assert len(tracing.observations()) == 51
    assert stats.written_lines == 1 + 52
    assert len([m for m in _warnings(caplog) if "cannot write" in m]) == 1


def test_file_deleted_while_running_is_recreated(tracing) -> None:
    _program()
    assert len(tracing.observations()) == 51
    os.unlink(tracing.directory / "observations.jsonl")
    _program()
    assert len(tracing.observations()) == 51  # a fresh file, not writes into the deleted inode


def test_queue_overflow_drops_and_counts(tracing, caplog) -> None:
    fl.configure(
        tracer_provider=tracing.provider,
        offline_store_dir=str(tracing.directory),
        max_queue_size=5,
        batch_size=1000,
        flush_interval=60,
    )
    with caplog.at_level(logging.WARNING):
        assert _program() == EXPECTED
    stats = _jsonl_processor().stats
    assert stats.dropped_queue_full == 52 - 5
    assert len(tracing.observations()) == 5  # force_flush writes what was queued
    assert [m for m in _warnings(caplog) if "queue full" in m] == [_warnings(caplog)[0]]


def test_processor_that_raises_is_contained(tmp_path: Path, caplog) -> None:
    class Broken(FluxLoopJsonlSpanProcessor):
        def on_end(self, span):  # type: ignore[no-untyped-def]
            raise RuntimeError("processor bug")

    provider = TracerProvider()
    good = FluxLoopJsonlSpanProcessor(tmp_path / "good", flush_interval=0.05)
    fanout = FanOutSpanProcessor([Broken(tmp_path / "bad"), good])
    provider.add_span_processor(fanout)
    fl.configure(tracer_provider=provider, offline_store_enabled=False)
    try:
        with caplog.at_level(logging.WARNING):
            assert _program() == EXPECTED
        assert fanout.faults == 52
        assert len(_warnings(caplog)) == 1
        assert good.force_flush()
        assert len((tmp_path / "good" / "observations.jsonl").read_text().splitlines()) == 51
        assert len((tmp_path / "good" / "traces.jsonl").read_text().splitlines()) == 1
    finally:
        fl.shutdown()
        fanout.shutdown()


def test_converter_error_counted_not_raised(tmp_path: Path) -> None:
    from fluxloop_otel.export.fluxloop.writer import JsonlWriter

    def convert(item: object):
        if item == "bad":
            raise ValueError("cannot convert")
        return [("out.jsonl", f"\"{item}\"\n".encode())]

    writer = JsonlWriter(tmp_path, convert, flush_interval=0.05)
    for item in ["a", "bad", "b"]:
        assert writer.submit(item)
    assert writer.force_flush(5)
    assert (tmp_path / "out.jsonl").read_text().splitlines() == ['"a"', '"b"']
    assert writer.stats.conversion_errors == 1
    writer.shutdown()
    assert not writer.submit("late") and writer.stats.dropped_queue_full == 1


def test_torn_tail_from_a_killed_writer_is_repaired(tmp_path: Path) -> None:
    from fluxloop_otel.export.fluxloop.writer import JsonlWriter

    target = tmp_path / "out.jsonl"
    target.write_text('{"ok": 1}\n{"torn": ')  # what a kill -9 mid-write can leave
    writer = JsonlWriter(tmp_path, lambda item: [("out.jsonl", item)], flush_interval=0.05)
    writer.submit(b'{"ok": 2}\n')
    assert writer.force_flush(5)
    assert target.read_text() == '{"ok": 1}\n{"ok": 2}\n'
    writer.shutdown()


def test_files_created_private_by_default(tracing) -> None:
    _program()
    tracing.flush()
    assert (tracing.directory / "observations.jsonl").stat().st_mode & 0o777 == 0o600
