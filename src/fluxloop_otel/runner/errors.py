"""Errors the runner reports to the user: one message naming the file, line and field at fault."""

from __future__ import annotations

import os


class RunnerError(Exception):
    """A problem with the user's target, config or inputs (shown without a traceback)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "")
        if self.field:
            where = f"{where}: field '{self.field}'" if where else f"field '{self.field}'"
        return f"{where}: {self.message}" if where else self.message


class ConfigError(RunnerError):
    """Invalid runner configuration (simulation.yaml or command-line options)."""


class InputsError(RunnerError):
    """Unreadable or invalid inputs file."""


class TargetError(RunnerError):
    """A target that cannot be imported, found, constructed or called."""
