"""Inputs files: the FluxLoop CLI's ``inputs/generated.yaml`` shape, JSON/JSONL, or plain text.

* ``.yaml``/``.yml``/``.json``: a list of entries, or a mapping with an ``inputs`` (or
  ``variations``) list; an entry is ``{input: ..., metadata: {persona: ...}}`` or the flat form
  ``{input: ..., persona: ..., strategy: ...}`` (used as its own metadata, as the CLI does).
* ``.jsonl``/``.ndjson``: one entry object (as above) or one JSON string per line.
* anything else: one input per non-empty line (``#`` starts a comment line).

Errors name the file, the line and the entry field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from fluxloop_otel.runner.errors import InputsError
from fluxloop_otel.runner.yamlfile import parse_yaml, plain, read_text, type_name

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


def load_inputs(path: Path) -> list[InputEntry]:
    """The entries of an inputs file (at least one), or an :class:`InputsError`."""
    text = read_text(path, InputsError)
    return parse_inputs(text, str(path), path.suffix.lower())


def parse_inputs(text: str, path: str, suffix: str) -> list[InputEntry]:
    """Entries from the text of an inputs file whose name ends in ``suffix``."""
    if suffix in YAML_SUFFIXES:
        entries = _from_document(parse_yaml(text, path, InputsError), path)
    elif suffix in JSON_SUFFIXES:
        entries = _from_document(_json(text, path), path)
    elif suffix in JSONL_SUFFIXES:
        entries = _from_jsonl(text, path)
    else:
        entries = _from_lines(text)
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


def _from_jsonl(text: str, path: str) -> list[InputEntry]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
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


def _from_lines(text: str) -> list[InputEntry]:
    lines = [line.strip() for line in text.splitlines()]
    return [
        InputEntry(line, {}, None, index)
        for index, line in enumerate(item for item in lines if item and not item.startswith("#"))
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
