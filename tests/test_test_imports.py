"""Tests share helpers through modules of their own, never through a conftest: several
directories have a conftest.py, Python imports the first one it meets as `conftest`, and which
one that is depends on what pytest was asked to run (`pytest tests/e2e tests/conversation` then
fails to collect where `pytest tests` did not)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
IMPORT = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", re.MULTILINE)


def test_no_test_imports_from_a_conftest():
    offenders = [str(path.relative_to(TESTS)) for path in sorted(TESTS.rglob("*.py"))
                 if IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
