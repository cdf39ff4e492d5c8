"""`engage campaign check`: every error and warning in a campaign file, with its line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot import settings
from bot.campaigns.advice import reading_warnings, segment_warnings
from bot.campaigns.loader import Analysis, analyse
from bot.campaigns.mistakes import mistake_warnings
from bot.campaigns.model import Campaign
from bot.campaigns.problems import Problem

__all__ = ["Problem", "check_analysis", "check_campaign", "check_with_published",
           "published_campaigns"]


def check_campaign(path: str | Path, published: Iterable[Campaign] = (), *,
                   is_text: bool = False) -> list[Problem]:
    """Errors first, then warnings, each in file order. Warnings about SMS length and
    reading age need a campaign without errors, so they appear once the errors are fixed.
    `published`: the live campaigns, when a database is at hand (their keywords).
    `is_text`: `path` is the file's text (an upload), never a file name."""
    return check_analysis(analyse(path, published, is_text=is_text))


def check_analysis(analysis: Analysis) -> list[Problem]:
    """Every problem of an analysis: its own, then the warnings that need a valid campaign."""
    problems = list(analysis.problems)
    if analysis.campaign is not None and analysis.parsed is not None:
        problems += segment_warnings(analysis.campaign, analysis.parsed, analysis.file)
        problems += reading_warnings(analysis.campaign, analysis.parsed, analysis.file)
        problems += mistake_warnings(analysis.campaign, analysis.parsed, analysis.file)
    order = {"error": 0, "warning": 1}
    return sorted(problems, key=lambda p: (order[p.level], p.line or 0))


def published_campaigns(url: str) -> list[Campaign]:
    """The live campaigns in a database; raises SQLAlchemyError when it cannot be read."""
    from bot import bootstrap
    from bot.store.db import transaction
    from bot.store.repository import CampaignRepository

    with transaction(bootstrap.sessions(url)) as session:
        return [Campaign.from_dict(row.definition)
                for row in CampaignRepository(session).live_versions()]


def configured_database() -> str | None:
    """The database `engage` would use, if there is one: ENGAGE_DATABASE_URL, or the local
    SQLite file once `engage run` has made it (a check never creates a database)."""
    from bot import config

    if settings.is_set("ENGAGE_DATABASE_URL"):
        return settings.value("ENGAGE_DATABASE_URL")
    local = config.VAR_DIR / "engage.db"
    return config.DEFAULT_DATABASE_URL if local.exists() else None


def check_with_published(path: str | Path) -> list[Problem]:
    """`check_campaign`, compared with the published campaigns when a database is configured;
    without one (or when it cannot be read) the file alone is checked, and a warning says so."""
    import sqlalchemy.exc

    url = configured_database()
    if url is None:
        return check_campaign(path)
    try:
        published = published_campaigns(url)
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        problems = check_campaign(path)
        problems.append(Problem("warning", None, "", "the published campaigns could not be "
                                f"read from the database ({reason}), so this campaign was not "
                                "compared with their keywords", "", str(path)))
        return problems
    return check_campaign(path, published)
