"""The README and docs match the code: options table (docs/configuration.md), test command, CLI commands, length."""

from __future__ import annotations

import re
from pathlib import Path

from fluxloop_otel.cli.main import COMMANDS
from fluxloop_otel.config.options import OPTIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()


def test_every_option_and_variable_is_in_the_configuration_table() -> None:
    block = CONFIGURATION.split("<!-- options-table:start -->")[1].split("<!-- options-table:end -->")[0]
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


def test_readme_is_a_five_minute_read_and_links_the_docs() -> None:
    assert len(README.splitlines()) <= 300
    for page in ("configuration", "langchain", "otlp", "cli", "reliability", "benchmarks", "api", "fluxloop-files"):
        assert f"docs/{page}.md" in README, page
        assert (ROOT / "docs" / f"{page}.md").is_file(), page
    assert "## Install" in README and "pip install" in README.split("## Install")[1][:600]
