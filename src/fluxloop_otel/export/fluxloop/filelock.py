"""An exclusive lock on an open file, for appends shared by several processes.

POSIX: ``flock``. Windows: ``msvcrt.locking`` on the first byte (a mandatory region lock that
every writer of the file takes the same way). Elsewhere: no cross-process lock (one process per
file is still safe: the writer thread appends whole batches).
"""

from __future__ import annotations

import os
from typing import Callable

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

try:
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]


def _posix_lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)


def _posix_unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def _windows_region(fd: int, mode: int) -> None:
    position = os.lseek(fd, 0, os.SEEK_CUR)
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, mode, 1)
    finally:
        os.lseek(fd, position, os.SEEK_SET)


def _windows_lock(fd: int) -> None:
    _windows_region(fd, msvcrt.LK_LOCK)


def _windows_unlock(fd: int) -> None:
    _windows_region(fd, msvcrt.LK_UNLCK)


def _no_lock(fd: int) -> None:
    return None


lock: Callable[[int], None]
unlock: Callable[[int], None]
if fcntl is not None:
    lock, unlock, KIND = _posix_lock, _posix_unlock, "flock"
elif msvcrt is not None:
    lock, unlock, KIND = _windows_lock, _windows_unlock, "msvcrt"
else:  # pragma: no cover - no known platform
    lock, unlock, KIND = _no_lock, _no_lock, "none"
