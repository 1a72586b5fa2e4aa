"""OTLP/JSON files (the Collector's ``file`` exporter) -> FluxLoop ``traces.jsonl`` + ``observations.jsonl``.

Spans are decoded into the same :class:`SpanView` the in-process JSONL processor builds and
turned into lines by the same :func:`record_lines`, so both routes write identical records.
Input is streamed line by line (memory is bounded by the longest line, plus one small
summary per trace when an experiment directory is written). Malformed lines and spans are
reported through ``on_problem`` with file, line and position, and skipped.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from fluxloop_otel.export.fluxloop.processor import OBSERVATIONS_FILE, TRACES_FILE, record_lines
from fluxloop_otel.export.fluxloop.records import UsageLedger
from fluxloop_otel.export.masking import mask_view
from fluxloop_otel.export.otlp_json.decode import DecodedSpan, decode_document
from fluxloop_otel.export.otlp_json.lines import (
    DEFAULT_MAX_LINE_BYTES,
    Line,
    UnsupportedCompression,
    open_input,
    read_lines,
)
from fluxloop_otel.runner.trace_runs import RunCollector
from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.serialization.redaction import SecretMasker

ProblemCallback = Callable[[str], None]
ProgressCallback = Callable[[int], None]

_WRITE_BUFFER = 1 << 20


@dataclass
class ConvertReport:
    """What one conversion read and wrote."""

    files: int = 0
    lines: int = 0
    spans: int = 0
    observations: int = 0
    traces: int = 0
    problems: int = 0
    filtered_spans: int = 0
    services: set[str] = field(default_factory=set)


@dataclass
class ConvertOptions:
    """How to convert: which spans, and where the output goes."""

    include_foreign_spans: bool = True
    services: frozenset[str] = frozenset()
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    append: bool = False
    #: Mask credential-looking strings in every span's attributes (see ``export/masking.py``).
    mask_secrets: bool = True


class OutputError(Exception):
    """The output cannot be written (not an ``OSError``: it must never pass for an input problem)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        self.path = path
        self.cause = exc.strerror or str(exc)
        super().__init__(f"{path}: cannot write: {self.cause}")


class _Outputs:
    """The two FluxLoop files, opened on first write."""

    def __init__(self, directory: Path, append: bool) -> None:
        self.directory = directory
        self._mode = "ab" if append else "wb"
        self._handles: dict[str, BinaryIO] = {}

    def write(self, name: str, line: bytes) -> None:
        handle = self._handles.get(name)
        path = self.directory / name
        try:
            if handle is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                handle = self._handles[name] = open(path, self._mode, buffering=_WRITE_BUFFER)  # noqa: SIM115
            handle.write(line)
        except OSError as exc:
            raise OutputError(path, exc) from None

    def close(self) -> None:
        handles, self._handles = self._handles, {}
        failure: OutputError | None = None
        for name, handle in handles.items():
            try:
                handle.close()
            except OSError as exc:
                failure = failure or OutputError(self.directory / name, exc)
        if failure is not None:
            raise failure


class Converter:
    """Converts input files one after the other into ``output_dir``; call :meth:`close` at the end."""

    def __init__(
        self,
        output_dir: str | os.PathLike[str],
        options: ConvertOptions | None = None,
        *,
        collector: RunCollector | None = None,
        on_problem: ProblemCallback | None = None,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.options = options or ConvertOptions()
        self.collector = collector
        self.report = ConvertReport()
        self._on_problem = on_problem or (lambda message: None)
        self._outputs = _Outputs(self.output_dir, self.options.append)
        self._masker = SecretMasker()
        self._ledger = UsageLedger()  # one count per model call (spans arrive in end order)
        if not self.options.append:  # a fresh conversion replaces earlier output, even when it writes nothing
            for name in (TRACES_FILE, OBSERVATIONS_FILE):
                try:
                    (self.output_dir / name).unlink(missing_ok=True)
                except OSError as exc:
                    raise OutputError(self.output_dir / name, exc) from None

    @property
    def observations_path(self) -> Path:
        return self.output_dir / OBSERVATIONS_FILE

    def convert_file(self, path: str, on_progress: ProgressCallback | None = None) -> None:
        """Convert one file (plain or gzip); ``on_progress(bytes read)`` follows the file on disk."""
        try:
            reader, raw = open_input(path)
        except UnsupportedCompression as exc:
            self._problem(f"{path}: {exc}; skipped")
            return
        except OSError as exc:
            self._problem(f"{path}: cannot read: {exc.strerror or exc}; skipped")
            return
        self.report.files += 1
        number = 0
        with raw, reader:
            tick = (lambda: on_progress(raw.tell())) if on_progress is not None else None
            try:
                for line in read_lines(reader, self.options.max_line_bytes, tick):
                    number = line.number
                    self._convert_line(path, line)
            except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated compressed file
                self._problem(f"{path}:{number + 1}: cannot read on: {exc}; rest of the file skipped")

    def _convert_line(self, path: str, line: Line) -> None:
        self.report.lines += 1
        if line.too_long:
            self._problem(f"{path}:{line.number}: line longer than {self.options.max_line_bytes} bytes; skipped")
            return
        try:
            document = _json.loads(line.data)
        except ValueError as exc:
            self._problem(f"{path}:{line.number}: {_json_problem(exc)}; line skipped")
            return
        self._convert_document(document, f"{path}:{line.number}")

    def _convert_document(self, document: object, where: str) -> None:
        for item in decode_document(document):
            if not isinstance(item, DecodedSpan):
                self._problem(f"{where}: {item}; skipped")
                continue
            self.report.spans += 1
            if item.service:
                self.report.services.add(item.service)
            if self.options.services and item.service not in self.options.services:
                self.report.filtered_spans += 1
                continue
            self._write(item, where)

    def _write(self, item: DecodedSpan, where: str) -> None:
        if self.options.mask_secrets:
            mask_view(item.view, self._masker)
        try:
            lines = list(record_lines(item.view, self.options.include_foreign_spans, ledger=self._ledger))
        except Exception as exc:  # a span the record builder cannot handle: report it, keep going
            self._problem(f"{where}: span {item.view.span_id:016x} of trace {item.view.trace_id:032x}: cannot build its records: {exc!r}")
            return
        for name, line in lines:
            self._outputs.write(name, line)
            if name == OBSERVATIONS_FILE:
                self.report.observations += 1
            else:
                self.report.traces += 1
            if self.collector is not None:
                record = _json.loads(line)
                if name == OBSERVATIONS_FILE:
                    self.collector.add_observation(record)
                else:
                    self.collector.add_trace(record)

    def _problem(self, message: str) -> None:
        self.report.problems += 1
        self._on_problem(message)

    def close(self) -> None:
        self._outputs.close()


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"invalid JSON ({text[:120]})"


def input_files(arguments: Iterable[str]) -> list[str]:
    """Files named on the command line; a directory stands for the files in it (recursively, sorted)."""
    files: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            for root, directories, names in os.walk(argument):
                directories.sort()
                files.extend(os.path.join(root, name) for name in sorted(names) if not name.startswith("."))
        else:
            files.append(argument)
    return files
