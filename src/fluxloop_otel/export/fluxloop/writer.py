"""Background JSONL writer: bounded queue in, whole lines out, never on the caller's thread.

* ``submit`` is the only call made on the traced program's threads: a deque append and,
  once per batch, an event set. When the queue is full the item is dropped and counted.
* A daemon thread converts items to lines (``convert``) and appends them to their files
  with one ``os.write`` per file per batch on an ``O_APPEND`` descriptor, under an exclusive
  ``flock``, so lines from concurrent processes never interleave.
* A process killed inside a multi-page ``write`` can leave a partial last line (Linux stops
  a buffered write between pages when a fatal signal arrives). Before every append, under
  the lock, a file that does not end with a newline is cut back to its last newline, so such
  a fragment is never followed by other lines (mid-file damage is impossible) and the next
  write by any process removes it.
* Failures (unwritable directory, disk full, file replaced) are counted and logged once
  per kind; the next batch tries again, so writing resumes when the fault goes away.
* ``force_flush`` returns once everything submitted before the call is written.
* Fork-safe: the child starts with an empty queue and its own thread; multiprocessing
  children (which exit without running ``atexit``) flush through a multiprocessing finalizer.
"""

from __future__ import annotations

import atexit
import errno
import logging
import os
import sys
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from fluxloop_otel.export.fluxloop import filelock

logger = logging.getLogger("fluxloop_otel.export")

#: ``convert(item)`` returns ``(file name, line)`` pairs; lines are UTF-8 bytes ending in b"\n".
Converter = Callable[[Any], Iterable[tuple[str, bytes]]]

_MAX_WRITE = 1 << 20  # bytes per os.write


class _FlushRequest:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


@dataclass
class WriterStats:
    """Counters of one writer (all cumulative)."""

    submitted: int = 0
    written_lines: int = 0
    dropped_queue_full: int = 0
    dropped_write_error: int = 0
    conversion_errors: int = 0
    batches: int = 0
    max_lag_seconds: float = 0.0

    @property
    def lost(self) -> int:
        return self.dropped_queue_full + self.dropped_write_error + self.conversion_errors


class JsonlWriter:
    """Appends converted lines to files in ``directory`` from a background thread."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        convert: Converter,
        *,
        batch_size: int = 512,
        flush_interval: float = 1.0,
        max_queue_size: int = 20000,
        file_mode: int = 0o600,
        name: str = "fluxloop-otel-writer",
    ) -> None:
        self.directory = os.path.abspath(os.fspath(directory))
        self._convert = convert
        self._batch_size = max(1, int(batch_size))
        self._interval = max(0.01, float(flush_interval))
        self._max_queue = max(1, int(max_queue_size))
        self._file_mode = file_mode
        self._name = name
        self.stats = WriterStats()
        self._logged: set[str] = set()
        self._reset_runtime_state()
        _writers.add(self)

    # -- caller side -----------------------------------------------------------------------
    def submit(self, item: Any) -> bool:
        """Queue one item; False (and counted) when the queue is full or the writer is closed."""
        queue = self._queue
        if len(queue) >= self._max_queue or self._closed:
            self._count_drop()
            return False
        queue.append(item)
        self.stats.submitted += 1
        if self._thread is None:
            self._start()
        elif len(queue) >= self._batch_size and not self._wake.is_set():
            self._wake.set()
        return True

    def force_flush(self, timeout: float | None = 30.0) -> bool:
        """Write everything submitted so far; True when it is on disk within ``timeout``."""
        if threading.current_thread() is self._thread:
            return False
        if self._thread is None or not self._thread.is_alive():
            if not self._queue:
                return True
            self._start()
        request = _FlushRequest()
        self._queue.append(request)
        self._wake.set()
        return request.done.wait(timeout)

    def shutdown(self, timeout: float | None = 30.0) -> bool:
        """Flush, stop the thread and close the files. Later submits are dropped."""
        if self._closed:
            return True
        flushed = self.force_flush(timeout)
        self._closed = True
        self._stop = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._close_files()
        return flushed

    @property
    def queue_length(self) -> int:
        return len(self._queue)

    # -- state -----------------------------------------------------------------------------
    def _reset_runtime_state(self) -> None:
        self._queue: deque[Any] = deque()
        self._wake = threading.Event()
        self._start_lock = threading.Lock()
        self._drop_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = False
        self._closed = False
        self._fds: dict[str, tuple[int, int, int]] = {}  # path -> (fd, st_dev, st_ino)

    def _after_fork_in_child(self) -> None:
        # The parent writes what it queued; the child starts empty with its own thread.
        # Inherited descriptors share the parent's open file descriptions (and flock locks):
        # the child opens its own.
        inherited = list(self._fds.values())
        closed = self._closed
        self._reset_runtime_state()
        self._closed = closed
        for fd, _, _ in inherited:
            try:
                os.close(fd)
            except OSError:
                pass

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        _flush_at_multiprocessing_exit()

    def _count_drop(self) -> None:
        with self._drop_lock:
            self.stats.dropped_queue_full += 1
        self._log_once("queue_full", "fluxloop-otel: JSONL queue full (%d items); dropping spans", self._max_queue)

    def _log_once(self, kind: str, message: str, *args: Any) -> None:
        if kind not in self._logged:
            self._logged.add(kind)
            logger.warning(message, *args)

    # -- writer thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self._drain()
            except Exception as exc:  # never let the thread die
                self._log_once("writer_crash", "fluxloop-otel: JSONL writer error: %r", exc)
            if self._stop and not self._queue:
                return

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            pending: dict[str, list[bytes]] = {}
            requests: list[_FlushRequest] = []
            count = 0
            oldest: float | None = None
            while queue and count < self._batch_size:
                item = queue.popleft()
                if isinstance(item, _FlushRequest):
                    requests.append(item)
                    break
                count += 1
                try:
                    for file_name, line in self._convert(item):
                        pending.setdefault(file_name, []).append(line)
                except Exception as exc:
                    self.stats.conversion_errors += 1
                    self._log_once("convert", "fluxloop-otel: could not convert a span to a FluxLoop record: %r", exc)
                if oldest is None:
                    oldest = _end_seconds(item)
            for file_name, lines in pending.items():
                self._write_lines(file_name, lines)
            if count:
                self.stats.batches += 1
                if oldest is not None:
                    self.stats.max_lag_seconds = max(self.stats.max_lag_seconds, time.time() - oldest)
            for request in requests:
                request.done.set()

    def _write_lines(self, file_name: str, lines: list[bytes]) -> None:
        path = os.path.join(self.directory, file_name)
        written = 0
        try:
            fd = self._open(path)
            for chunk in _chunks(lines):
                _append(fd, b"".join(chunk) if len(chunk) > 1 else chunk[0])
                written += len(chunk)
        except OSError as exc:
            self.stats.dropped_write_error += len(lines) - written
            self._forget(path)
            self._log_once(
                f"write:{exc.errno}",
                "fluxloop-otel: cannot write %s (%s); %d record(s) lost so far, will retry",
                path,
                os.strerror(exc.errno or 0) if exc.errno else exc,
                self.stats.dropped_write_error,
            )
        finally:
            self.stats.written_lines += written

    def _open(self, path: str) -> int:
        """A cached append descriptor; reopened when the file was deleted or replaced."""
        cached = self._fds.get(path)
        if cached is not None:
            fd, dev, ino = cached
            try:
                current = os.stat(path)
                if (current.st_dev, current.st_ino) == (dev, ino):
                    return fd
            except OSError:
                pass
            self._forget(path)
        os.makedirs(self.directory, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), self._file_mode)
        try:
            info = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        self._fds[path] = (fd, info.st_dev, info.st_ino)
        return fd

    def _forget(self, path: str) -> None:
        cached = self._fds.pop(path, None)
        if cached is not None:
            try:
                os.close(cached[0])
            except OSError:
                pass

    def _close_files(self) -> None:
        for path in list(self._fds):
            self._forget(path)


def _end_seconds(item: Any) -> float | None:
    end = getattr(item, "end_time", None)
    return end / 1e9 if isinstance(end, int) else None


def _chunks(lines: list[bytes]) -> Iterator[list[bytes]]:
    """``lines`` in groups of at most ``_MAX_WRITE`` bytes (a longer line is a group of its own)."""
    if sum(map(len, lines)) <= _MAX_WRITE:
        yield lines
        return
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) > _MAX_WRITE:
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += len(line)
    if chunk:
        yield chunk


def _append(fd: int, data: bytes) -> None:
    """Append whole lines under the exclusive lock; on failure, undo the part that was written.

    A short write (file size limit, full disk) is followed by another ``write`` of the rest,
    which either completes the data or fails with the real cause (EFBIG, ENOSPC, ...).
    """
    filelock.lock(fd)
    try:
        _cut_partial_tail(fd)
        view = memoryview(data)
        done = 0
        try:
            while done < len(view):
                count = os.write(fd, view[done:])
                if count <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                done += count
        except OSError:
            if done:
                _undo_partial(fd, done)
            raise
    finally:
        filelock.unlock(fd)


def _undo_partial(fd: int, written: int) -> None:
    """Remove the ``written`` bytes of a failed append (the lock is held: nobody appended after)."""
    try:
        end = os.lseek(fd, 0, os.SEEK_CUR)
        if os.fstat(fd).st_size == end:
            os.ftruncate(fd, end - written)
    except OSError:
        pass


def _cut_partial_tail(fd: int) -> None:
    """Cut a partial last line (left by a process killed mid-write) back to the last newline.

    Called with the exclusive lock held, so no fluxloop-otel writer is mid-write: a file that
    does not end with a newline ends with a fragment nobody will complete.
    """
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    position = size
    block = 65536
    keep = 0
    while position > 0:
        start = max(0, position - block)
        index = os.pread(fd, position - start, start).rfind(b"\n")
        if index >= 0:
            keep = start + index + 1
            break
        position = start
    os.ftruncate(fd, keep)
    logger.warning(
        "fluxloop-otel: removed a partial last line (%d bytes) left by an interrupted write", size - keep
    )


_writers: "weakref.WeakSet[JsonlWriter]" = weakref.WeakSet()


def _reinit_after_fork() -> None:
    for writer in list(_writers):
        writer._after_fork_in_child()


def _flush_all_at_exit() -> None:
    for writer in list(_writers):
        try:
            writer.force_flush(5.0)
        except Exception:
            pass


_multiprocessing_pid: int | None = None


def _flush_at_multiprocessing_exit() -> None:
    """In a multiprocessing child, flush when it exits: it leaves by ``os._exit`` after its
    own finalizers, so ``atexit`` never runs there (fork and forkserver start methods)."""
    global _multiprocessing_pid
    util = sys.modules.get("multiprocessing.util")
    if util is None or _multiprocessing_pid == os.getpid():
        return
    _multiprocessing_pid = os.getpid()
    try:
        util.Finalize(None, _flush_all_at_exit, exitpriority=10)
    except Exception:  # never let this reach the traced program
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)
atexit.register(_flush_all_at_exit)
