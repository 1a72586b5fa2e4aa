"""File-system checks for the command line: one line naming the path and the cause, never a traceback.

Every check raises :class:`PathError` (a :class:`UsageError`), which
``main`` prints as ``fluxloop-otel COMMAND: error: PATH: cause`` with exit status 2. An
``OSError`` that still escapes a command is printed the same way (:func:`describe_os_error`).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UsageError(Exception):
    """A problem with the user's input: printed without a traceback, exit code 2."""


class PathError(UsageError):
    """A path that cannot be used: ``str()`` is ``"PATH: cause"``."""

    def __init__(self, path: str | os.PathLike[str], cause: str) -> None:
        self.path, self.cause = os.fspath(path), cause
        super().__init__(f"{self.path}: {cause}")


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISREG, "a regular file"),
)


def kind(mode: int) -> str:
    """``"a FIFO"``, ``"a directory"``... for an ``st_mode``."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def cause(exc: OSError) -> str:
    """The reason of an ``OSError`` in a few words (``Permission denied``, ``No such file or directory``)."""
    if exc.strerror:
        return exc.strerror
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def describe_os_error(exc: OSError) -> str:
    """``PATH: cause`` for an escaped ``OSError`` (the path when it names one)."""
    path = exc.filename if exc.filename is not None else None
    if exc.filename2 is not None:
        path = f"{exc.filename} -> {exc.filename2}"
    return f"{os.fspath(path)}: {cause(exc)}" if path is not None else cause(exc)


def _stat(path: Path, what: str) -> os.stat_result:
    noun = "directory" if what.endswith("directory") else "file"
    try:
        return path.stat()
    except FileNotFoundError:
        raise PathError(path, f"no such {noun}") from None
    except NotADirectoryError:
        raise PathError(path, f"no such {noun} (a parent is not a directory)") from None
    except OSError as exc:
        raise PathError(path, f"cannot access: {cause(exc)}") from None


def readable_file(path: str | os.PathLike[str], what: str = "file") -> Path:
    """``path`` if it is a regular file this process can read; else :class:`PathError`."""
    path = Path(path)
    info = _stat(path, what)
    if stat.S_ISDIR(info.st_mode):
        raise PathError(path, f"is a directory, expected a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise PathError(path, f"is {kind(info.st_mode)}, expected a regular {what}")
    try:
        os.close(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)))
    except OSError as exc:
        raise PathError(path, f"cannot read: {cause(exc)}") from None
    return path


def readable_directory(path: str | os.PathLike[str], what: str = "directory") -> Path:
    """``path`` if it is a directory this process can list; else :class:`PathError`."""
    path = Path(path)
    info = _stat(path, what)
    if not stat.S_ISDIR(info.st_mode):
        raise PathError(path, f"is {kind(info.st_mode)}, expected a {what}")
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        raise PathError(path, f"cannot read {what}: {cause(exc)}") from None
    return path


def writable_directory(path: str | os.PathLike[str], what: str = "output directory") -> Path:
    """``path`` if it is (or can be created as) a directory this process can write into."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        parent = _existing_ancestor(path)
        if not parent.is_dir():
            raise PathError(parent, f"is not a directory, cannot create the {what} {path} in it") from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PathError(
                path, f"cannot create the {what}: {os.strerror(errno.EACCES)} in {parent}"
            ) from None
        return path
    except OSError as exc:
        raise PathError(path, f"cannot access: {cause(exc)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise PathError(path, f"exists and is {kind(info.st_mode)}, expected an {what}")
    if not os.access(path, os.W_OK | os.X_OK):
        raise PathError(path, f"cannot write into the {what}: {os.strerror(errno.EACCES)}")
    return path


def replaceable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` if it does not exist or is a regular file (that can be appended to or replaced)."""
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise PathError(path, f"cannot access: {cause(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PathError(path, f"exists and is {kind(info.st_mode)}, expected a regular file")
    return path


def _existing_ancestor(path: Path) -> Path:
    current = path.absolute()
    while not current.exists() and current.parent != current:
        current = current.parent
    return current
