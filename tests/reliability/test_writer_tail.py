"""The writer's guarantee against fragments left by killed processes, deterministically: a
fragment that appears after the writer opened the file (another process killed mid-write) is
cut before the next append, so it never swallows a complete line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from fluxloop_otel.export.fluxloop.writer import JsonlWriter


def _writer(directory: Path) -> JsonlWriter:
    return JsonlWriter(directory, lambda item: [("out.jsonl", item)], flush_interval=0.05)


def test_fragment_appearing_after_open_is_cut_before_the_next_append(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "out.jsonl"
    writer = _writer(tmp_path)
    try:
        writer.submit(b'{"n":1}\n')
        assert writer.force_flush(5)  # the descriptor is open and cached now
        with target.open("ab") as other:  # another process, killed inside its write
            other.write(b'{"n":"from a killed process')
        with caplog.at_level(logging.WARNING):
            writer.submit(b'{"n":2}\n')
            assert writer.force_flush(5)
        # before the fix: '{"n":1}\n{"n":"from a killed process{"n":2}\n' (record 2 lost)
        assert target.read_bytes() == b'{"n":1}\n{"n":2}\n'
        assert any("partial last line (27 bytes)" in r.getMessage() for r in caplog.records)
    finally:
        writer.shutdown()


def test_fragment_longer_than_the_scan_block_and_file_of_one_fragment(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b'{"n":0}\n' + b"x" * 200_000)
    writer = _writer(tmp_path)
    try:
        writer.submit(b'{"n":1}\n')
        assert writer.force_flush(5)
        assert target.read_bytes() == b'{"n":0}\n{"n":1}\n'
        target.write_bytes(b"y" * 100_000)  # replaced by a file holding only a fragment
        writer.submit(b'{"n":2}\n')
        assert writer.force_flush(5)
        assert target.read_bytes() == b'{"n":2}\n'
    finally:
        writer.shutdown()


def test_complete_files_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b'{"n":0}\n')
    writer = _writer(tmp_path)
    try:
        for n in range(1, 4):
            writer.submit(b'{"n":%d}\n' % n)
        assert writer.force_flush(5)
        assert target.read_bytes() == b"".join(b'{"n":%d}\n' % n for n in range(4))
    finally:
        writer.shutdown()
