"""The environment of a subprocess a test starts: this process's, without the FLUXLOOP_/OTEL_
variables (a developer's settings must not reach the program under test)."""

from __future__ import annotations

import os


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without OTEL_/FLUXLOOP_ variables, plus ``overrides``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "FLUXLOOP_"))}
    environment.update(overrides)
    return environment
