"""Where things are: the repository, the tests folder and its fixture files."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPOSITORY = TESTS.parent
FIXTURES = TESTS / "fixtures"
EXAMPLES = REPOSITORY / "examples"
