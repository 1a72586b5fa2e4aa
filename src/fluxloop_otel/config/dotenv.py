"""``load_env``: read a ``.env`` file into ``os.environ`` (no extra dependency)."""

from __future__ import annotations

import os
import re
from pathlib import Path

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.encode("utf-8").decode("unicode_escape") if value[0] == '"' else inner
    return re.split(r"\s+#", value, maxsplit=1)[0]


def parse_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """``KEY=value`` pairs of a dotenv file (comments, ``export``, quotes handled)."""
    values: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            values[match.group(1)] = _unquote(match.group(2))
    return values


def load_env(path: str | os.PathLike[str] = ".env", *, override: bool = True, refresh: bool = True) -> bool:
    """Load a ``.env`` file (or ``DIR/.env``) into the environment, like the FluxLoop SDK.

    Returns False when the file does not exist. With ``refresh``, a configuration made
    earlier from the environment is rebuilt from the new values.
    """
    candidate = Path(path).expanduser()
    if candidate.is_dir():
        candidate = candidate / ".env"
    if not candidate.is_file():
        return False
    for key, value in parse_env_file(candidate).items():
        if override or key not in os.environ:
            os.environ[key] = value
    if refresh:
        from fluxloop_otel.config.setup import refresh_from_environment

        refresh_from_environment()
    return True
