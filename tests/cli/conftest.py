"""Fixtures: ``cli`` runs the command as an unprivileged user in ``world``."""

from support.cli_runner import cli, world  # noqa: F401
