"""Inputs files: the FluxLoop CLI's ``inputs/generated.yaml`` shape, JSON/JSONL, or plain text.

* ``.yaml``/``.yml``/``.json``: a list of entries, or a mapping with an ``inputs`` (or
  ``variations``) list; an entry is ``{input: ..., metadata: {persona: ...}}`` or the flat form
  ``{input: ..., persona: ..., strategy: ...}`` (used as its own metadata, as the CLI does).
* ``.jsonl``/``.ndjson``: one entry object (as above) or one JSON string per line.
* anything else: one input per non-empty line (``#`` starts a comment line).
* ``-``: standard input; JSONL when the first non-blank line starts with ``{``, a YAML/JSON
  document when it starts with ``[`` or ``inputs:``, else text lines.

JSONL and text files are streamed line by line (a huge input is held once, as its entry).
Errors name the file, the line and the entry field.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable

from fluxloop_otel.runner.errors import InputsError
from fluxloop_otel.runner.yamlfile import check_regular_file, parse_yaml, plain, read_text, type_name

#: ``--inputs -``: read standard input.
STDIN = "-"
STDIN_LABEL = "<stdin>"

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class InputEntry:
    """One input: the text sent to the target, its metadata and (optional) persona name."""

    input: str
    metadata: dict[str, Any] = field(default_factory=dict)
    persona: str | None = None
    source_index: int = 0
    source: str = "external_file"


def load_inputs(path: Path | str, stdin: IO[str] | None = None) -> list[InputEntry]:
    """The entries of an inputs file, or of standard input for ``-`` (at least one), or an :class:`InputsError`."""
    if str(path) == STDIN:
        return _load_stream(stdin if stdin is not None else sys.stdin)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES + JSON_SUFFIXES:
        return parse_inputs(read_text(path, InputsError), str(path), suffix)
    check_regular_file(path, InputsError, hint=" (pass --inputs - to read a pipe on standard input)")
    try:
        with path.open("r", encoding="utf-8", newline=None) as handle:
            entries = _from_jsonl(handle, str(path)) if suffix in JSONL_SUFFIXES else _from_lines(handle)
    except UnicodeDecodeError as exc:
        raise InputsError(f"not UTF-8 text ({exc.reason})", path=str(path)) from None
    except OSError as exc:
        raise InputsError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if not entries:
        raise InputsError("contains no inputs", path=str(path))
    return entries


def _load_stream(stream: IO[str]) -> list[InputEntry]:
    """Entries from standard input; the format is recognised from the first non-blank line."""
    head: list[str] = []
    first = ""
    for line in stream:
        head.append(line)
        if line.strip() and not line.lstrip().startswith("#"):
            first = line.lstrip()
            break
    rest = _chain(head, stream)
    if first.startswith("{"):
        entries = _from_jsonl(rest, STDIN_LABEL)
    elif first.startswith("[") or first.startswith(("inputs:", "variations:", "- ")):
        suffix = ".json" if first.startswith("[") else ".yaml"
        return parse_inputs("".join(rest), STDIN_LABEL, suffix)
    else:
        entries = _from_lines(rest)
    if not entries:
        raise InputsError("contains no inputs", path=STDIN_LABEL)
    return entries


def _chain(head: list[str], stream: Iterable[str]) -> Iterable[str]:
    yield from head
    yield from stream


def parse_inputs(text: str, path: str, suffix: str) -> list[InputEntry]:
    """Entries from the text of an inputs file whose name ends in ``suffix``."""
    if suffix in YAML_SUFFIXES:
        entries = _from_document(parse_yaml(text, path, InputsError), path)
    elif suffix in JSON_SUFFIXES:
        entries = _from_document(_json(text, path), path)
    elif suffix in JSONL_SUFFIXES:
        entries = _from_jsonl(io.StringIO(text), path)
    else:
        entries = _from_lines(io.StringIO(text))
    if not entries:
        raise InputsError("contains no inputs", path=path)
    return entries


def _json(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputsError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno
        ) from None
    except RecursionError:
        raise InputsError("invalid JSON: nested too deeply", path=path) from None


def _from_document(data: Any, path: str) -> list[InputEntry]:
    if data is None:
        raise InputsError("is empty", path=path)
    key = "inputs"
    if isinstance(data, Mapping):
        key = "inputs" if "inputs" in data else "variations" if "variations" in data else ""
        if not key:
            raise InputsError(
                "expected a list of inputs or a mapping with an 'inputs' list",
                path=path,
                line=getattr(data, "line", None),
            )
        items = data[key]
        if not isinstance(items, list):
            raise InputsError(
                f"expected a list, got {type_name(items)}", path=path, line=_line(data, key), field=key
            )
    elif isinstance(data, list):
        items = data
    else:
        raise InputsError(
            f"expected a list of inputs or a mapping with an 'inputs' list, got {type_name(data)}", path=path
        )
    return [
        _entry(item, index, path, _line(items, index), f"{key}[{index}]") for index, item in enumerate(items)
    ]


def _from_jsonl(lines: Iterable[str], path: str) -> list[InputEntry]:
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputsError(
                f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=number
            ) from None
        except RecursionError:
            raise InputsError("invalid JSON: nested too deeply", path=path, line=number) from None
        entries.append(_entry(item, len(entries), path, number, None))
    return entries


def _from_lines(lines: Iterable[str]) -> list[InputEntry]:
    stripped = (line.strip() for line in lines)
    return [
        InputEntry(line, {}, None, index)
        for index, line in enumerate(item for item in stripped if item and not item.startswith("#"))
    ]


def _entry(item: Any, index: int, path: str, line: int | None, label: str | None) -> InputEntry:
    where = f"{label}." if label else ""
    if isinstance(item, str):
        if not item.strip():
            raise InputsError("empty input", path=path, line=line, field=label)
        return InputEntry(item, {}, None, index)
    if not isinstance(item, Mapping):
        raise InputsError(
            f"expected a mapping with an 'input', got {type_name(item)}", path=path, line=line, field=label
        )
    value = item.get("input")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        got = "nothing" if value is None else type_name(value)
        raise InputsError(
            f"needs a non-empty text 'input', got {got}",
            path=path,
            line=_line(item, "input") or line,
            field=f"{where}input",
        )
    metadata = item.get("metadata", item)
    if not isinstance(metadata, Mapping):
        raise InputsError(
            f"expected a mapping, got {type_name(metadata)}",
            path=path,
            line=_line(item, "metadata") or line,
            field=f"{where}metadata",
        )
    persona = metadata.get("persona", item.get("persona"))
    if persona is not None and not isinstance(persona, str):
        raise InputsError(
            f"expected a persona name, got {type_name(persona)}",
            path=path,
            line=line,
            field=f"{where}persona",
        )
    return InputEntry(str(value), plain(metadata), persona or None, index)


def _line(container: Any, key: Any) -> int | None:
    line_of = getattr(container, "line_of", None)
    return line_of(key) if callable(line_of) else None
