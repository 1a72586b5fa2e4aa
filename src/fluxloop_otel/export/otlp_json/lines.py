"""Numbered lines from plain or gzip files, in bounded memory.

Gzip is recognised by its magic bytes, not the file name (the Collector's ``file``
exporter writes ``.json`` names with ``compression: zstd|gzip`` too). A line longer than
``max_line_bytes`` is reported (``Line.too_long``) and skipped without being held in memory.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DEFAULT_MAX_LINE_BYTES = 256 << 20
_SKIP_CHUNK = 1 << 20


@dataclass
class Line:
    """One line of an input file (without its newline); ``data`` is empty when ``too_long``."""

    number: int
    data: bytes
    too_long: bool = False


class UnsupportedCompression(ValueError):
    """The file is compressed with something other than gzip."""


def open_input(path: str) -> tuple[BinaryIO, BinaryIO]:
    """``(reader, raw file)``: the decompressed stream and the file under it (for progress)."""
    raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by the caller
    try:
        head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
        if head.startswith(ZSTD_MAGIC):
            raise UnsupportedCompression("zstd-compressed; decompress it first (zstd -d) or use gzip")
        if head.startswith(GZIP_MAGIC):
            return gzip.GzipFile(fileobj=raw, mode="rb"), raw  # type: ignore[return-value]
    except Exception:
        raw.close()
        raise
    return raw, raw


def read_lines(reader: BinaryIO, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, on_progress: Callable[[], None] | None = None) -> Iterator[Line]:
    """The non-blank lines of ``reader``, numbered from 1; ``on_progress`` is called after each."""
    number = 0
    while True:
        data = reader.readline(max_line_bytes + 1)
        if not data:
            return
        number += 1
        if len(data) > max_line_bytes and not data.endswith(b"\n"):
            _skip_rest_of_line(reader)
            yield Line(number, b"", too_long=True)
        elif not data.isspace():
            yield Line(number, data)
        if on_progress is not None:
            on_progress()


def _skip_rest_of_line(reader: BinaryIO) -> None:
    while True:
        chunk = reader.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def input_size(path: str) -> int:
    """Bytes on disk of ``path`` (0 when unknown)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
