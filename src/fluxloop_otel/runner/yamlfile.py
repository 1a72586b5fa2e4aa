"""YAML loading that remembers the line of every mapping key, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fluxloop_otel.runner.errors import RunnerError


class LineDict(dict):  # type: ignore[type-arg]
    """A YAML mapping; ``lines[key]`` is the 1-based line of the key (``line`` of the mapping itself)."""

    line: int | None = None
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key, self.line)


class LineList(list):  # type: ignore[type-arg]
    """A YAML sequence; ``lines[i]`` is the 1-based line of item ``i``."""

    line: int | None = None
    lines: list[int]

    def line_of(self, index: int) -> int | None:
        lines = getattr(self, "lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml ships with the test/runner environments
        raise RunnerError("reading YAML needs PyYAML: pip install pyyaml") from None
    return yaml


def _loader_class() -> Any:
    yaml = _yaml()

    class Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined]
        def construct_mapping(self, node: Any, deep: bool = False) -> LineDict:
            mapping = LineDict(super().construct_mapping(node, deep=True))
            mapping.line = node.start_mark.line + 1
            mapping.lines = {}
            for key_node, _ in node.value:
                try:
                    key = self.construct_object(key_node, deep=True)
                    mapping.lines.setdefault(key, key_node.start_mark.line + 1)
                except Exception:  # unhashable keys are reported by construct_mapping itself
                    pass
            return mapping

        def construct_sequence(self, node: Any, deep: bool = False) -> LineList:
            items = LineList(super().construct_sequence(node, deep=True))
            items.line = node.start_mark.line + 1
            items.lines = [child.start_mark.line + 1 for child in node.value]
            return items

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_sequence)
    return Loader


_LOADER: Any = None


def parse_yaml(text: str, path: str, error: type[RunnerError] = RunnerError) -> Any:
    """The YAML document in ``text``; ``error`` naming ``path`` and the line on bad syntax."""
    global _LOADER
    yaml = _yaml()
    if _LOADER is None:
        _LOADER = _loader_class()
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path=path) from None
    except (TypeError, ValueError, RecursionError) as exc:  # e.g. an unhashable key such as {[1]: 2}
        raise error(f"invalid YAML: {exc}", path=path) from None


def check_regular_file(path: Path, error: type[RunnerError] = RunnerError, hint: str = "") -> None:
    """``error`` naming ``path`` unless it is a regular file (a FIFO would block the read forever)."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise error("file not found", path=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISDIR(mode):
        raise error("is a directory, expected a file", path=str(path))
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device or special file"
        raise error(f"is {kind}, expected a regular file{hint}", path=str(path))


def read_text(path: Path, error: type[RunnerError] = RunnerError) -> str:
    """File contents as UTF-8 text; ``error`` naming the file when it cannot be read."""
    check_regular_file(path, error)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise error("is a directory, expected a file", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


def type_name(value: Any) -> str:
    """The YAML/JSON kind of ``value`` for messages: mapping, list, str, int, ..."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def plain(value: Any) -> Any:
    """Plain JSON-ready data: dicts with string keys, lists, scalars (dates and others as text)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
