"""`engage campaign check`: every error and warning in a campaign file, with its line."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.advice import reading_warnings, segment_warnings
from bot.campaigns.loader import analyse
from bot.campaigns.problems import Problem

__all__ = ["Problem", "check_campaign"]


def check_campaign(path: str | Path) -> list[Problem]:
    """Errors first, then warnings, each in file order. Warnings about SMS length and
    reading age need a campaign without errors, so they appear once the errors are fixed."""
    analysis = analyse(path)
    problems = list(analysis.problems)
    if analysis.campaign is not None and analysis.parsed is not None:
        problems += segment_warnings(analysis.campaign, analysis.parsed, analysis.file)
        problems += reading_warnings(analysis.campaign, analysis.parsed, analysis.file)
    order = {"error": 0, "warning": 1}
    return sorted(problems, key=lambda p: (order[p.level], p.line or 0))
