"""``load_env``: read a ``.env`` file into ``os.environ`` (no extra dependency)."""

from __future__ import annotations

import os
import re
from pathlib import Path

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


class EnvFileError(ValueError):
    """A ``.env`` file that cannot be read: names the file and the line."""

    def __init__(self, path: str | os.PathLike[str], line: int, problem: str) -> None:
        self.path, self.line, self.problem = os.fspath(path), line, problem
        super().__init__(f"{self.path}:{line}: {problem}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        if value[0] == '"':  # \n, \t, \", \\ ... as in python-dotenv; other backslashes stay
            return _ESCAPE.sub(lambda match: _ESCAPES.get(match.group(1), match.group(0)), inner)
        return inner
    return re.split(r"\s+#", value, maxsplit=1)[0]


def parse_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """``KEY=value`` pairs of a dotenv file (comments, ``export``, quotes handled).

    Raises :class:`EnvFileError` (a ValueError naming file and line) for a file that is not
    UTF-8 text or holds a NUL character.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EnvFileError(path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from None
    values: dict[str, str] = {}
    for number, line in enumerate(re.split(r"\r?\n", text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\x00" in line:
            raise EnvFileError(path, number, "contains a NUL character")
        match = _LINE.match(line)
        if match:
            values[match.group(1)] = _unquote(match.group(2))
    return values


def load_env(
    dotenv_path: str | os.PathLike[str] | None = None,
    *,
    override: bool = True,
    refresh_config: bool = True,
    path: str | os.PathLike[str] | None = None,
    refresh: bool | None = None,
) -> bool:
    """Load a ``.env`` file (or ``DIR/.env``) into the environment, with the FluxLoop SDK's signature.

    ``dotenv_path`` defaults to ``./.env``. Returns False when the file does not exist. With
    ``refresh_config``, a configuration made earlier from the environment is rebuilt from the
    new values. ``path=`` and ``refresh=`` are the older spellings of the same arguments.
    """
    chosen = dotenv_path if dotenv_path is not None else path if path is not None else ".env"
    candidate = Path(chosen).expanduser()
    if candidate.is_dir():
        candidate = candidate / ".env"
    if not candidate.is_file():
        return False
    for key, value in parse_env_file(candidate).items():
        if override or key not in os.environ:
            os.environ[key] = value
    if refresh_config if refresh is None else refresh:
        from fluxloop_otel.config.setup import refresh_from_environment

        refresh_from_environment()
    return True
