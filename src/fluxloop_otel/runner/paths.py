"""Resolving user-given paths, refusing output paths that escape their allowed root."""

from __future__ import annotations

from pathlib import Path

from fluxloop_otel.runner.errors import ConfigError


def inside(path: Path, root: Path) -> bool:
    """Whether resolved ``path`` lies in (or is) resolved ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def resolve_output_dir(
    value: str, base: Path, *, allow_absolute: bool, source: str | None, field: str, line: int | None = None
) -> Path:
    """``value`` resolved against ``base``; it must stay inside ``base`` unless absolute and allowed.

    Config files may only name directories inside their project (so a shared config cannot
    write anywhere on disk); an absolute ``--output`` typed on the command line is accepted.
    """
    if not value or "\x00" in value:
        raise ConfigError("must be a non-empty path", path=source, line=line, field=field)
    raw = Path(value).expanduser()
    if raw.is_absolute():
        if not allow_absolute:
            raise ConfigError(
                f"must be a path relative to the project root {base}, got absolute path {value!r}",
                path=source,
                line=line,
                field=field,
            )
        return raw.resolve()
    resolved = (base / raw).resolve()
    if not inside(resolved, base):
        raise ConfigError(
            f"{value!r} resolves to {resolved}, outside the allowed root {base.resolve()}",
            path=source,
            line=line,
            field=field,
        )
    return resolved
