"""The held-out measurement (bot/language_eval.py): its figures-only mode (--summary), for
whoever tunes the language data, who must not read the held-out replies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "languages" / "heldout.yml"


def test_summary_prints_figures_and_never_a_reply():
    result = subprocess.run(
        [sys.executable, "-m", "bot.language_eval", str(HELDOUT), "--no-model", "--summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert "overall accuracy:" in result.stdout and "opt-out recall:" in result.stdout
    assert "misses:" not in result.stdout
    assert all(not line.startswith("  [") for line in result.stdout.splitlines())
