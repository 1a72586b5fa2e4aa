"""The README matches the code: options table, test command, CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

from fluxloop_otel.cli.main import COMMANDS
from fluxloop_otel.config.options import OPTIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_option_and_variable_is_in_the_configuration_table() -> None:
    block = README.split("<!-- options-table:start -->")[1].split("<!-- options-table:end -->")[0]
    rows = {match.group(1): line for line in block.splitlines() if (match := re.match(r"\| `(\w+)` \|", line))}
    assert set(rows) == {option.name for option in OPTIONS}, "run: python tools/options_table.py"
    for option in OPTIONS:
        for variable in option.env:
            assert f"`{variable}`" in rows[option.name], (option.name, variable)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    command = ci[-1].strip()
    assert command == "make test"
    assert f"{command}   #" in README or f"`{command}`" in README


def test_every_cli_command_is_documented() -> None:
    for command in COMMANDS:
        assert f"fluxloop-otel {command}" in README, command
