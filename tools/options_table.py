"""Regenerate the configuration table of docs/configuration.md from ``fluxloop_otel.config.options.OPTIONS``.

    python tools/options_table.py        # rewrites the block between the options-table markers in docs/configuration.md
"""

from __future__ import annotations

import re
from pathlib import Path

from fluxloop_otel.config.options import OPTIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
START, END = "<!-- options-table:start -->", "<!-- options-table:end -->"


def default_text(option) -> str:  # noqa: ANN001
    value = option.default
    if option.name == "file_mode":
        return "`0o600`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def table() -> str:
    rows = ["| option | environment variables | default | meaning |", "|---|---|---|---|"]
    for option in OPTIONS:
        env = ", ".join(f"`{name}`" for name in option.env) or "—"
        rows.append(f"| `{option.name}` | {env} | {default_text(option)} | {option.doc} |")
    return "\n".join(rows)


def main() -> None:
    text = DOC.read_text()
    block = f"{START}\n{table()}\n{END}"
    updated = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    DOC.write_text(updated)


if __name__ == "__main__":
    main()
