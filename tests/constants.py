"""Values every test folder shares, importable by helpers as well as by fixtures."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ALL_STEPS = TESTS / "fixtures" / "campaign_all_steps.yml"
SECRET = "engage-tests-secret-key-not-for-production"
