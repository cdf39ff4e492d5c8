"""Checking, publishing and listing campaigns: the services behind `engage campaign check |
publish | list`, `engage run` (the example campaigns) and the console.

Like every staff operation (docs/architecture.md), each takes the process's session factory
and opens its own transaction, returns data, and raises bot.errors.StaffError subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.check import check_with_published
from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign
from bot.campaigns.problems import Problem
from bot.errors import NoSuchFile
from bot.store.db import transaction
from bot.store.repository import CampaignRepository, PublishResult

__all__ = ["FileCheck", "LiveCampaign", "PublishResult", "check_files", "live_campaigns",
           "publish", "publish_files", "would_publish"]


def _sessions(sessions: sessionmaker | str | None) -> sessionmaker:
    """The factory given; a database URL (the older way of calling) or None: bootstrap's."""
    if isinstance(sessions, sessionmaker):
        return sessions
    from bot import bootstrap

    return bootstrap.sessions(sessions)


def missing_files(paths: list[str]) -> list[str]:
    return [path for path in paths if not Path(path).exists()]


def publish(session: Session, campaign: Campaign) -> PublishResult:
    """Store one checked campaign in the caller's transaction; raises CampaignInvalid (its
    keyword clashes with another live campaign's option) before storing anything."""
    return CampaignRepository(session).publish(campaign)


def would_publish(session: Session, campaign: Campaign) -> PublishResult:
    """What `publish` would do (created, updated, a new version, unchanged), without doing
    it: the same call, in a savepoint that is rolled back."""
    nested = session.begin_nested()
    try:
        return publish(session, campaign)
    finally:
        nested.rollback()


def publish_files(paths: list[str], sessions: sessionmaker | str | None = None) \
        -> list[PublishResult]:
    """Check and publish campaign files, all or none: NoSuchFile or CampaignInvalid (with
    every problem) before storing anything. Each result prints as "buses-2026: version 2
    created"."""
    missing = missing_files(paths)
    if missing:
        raise NoSuchFile(f"no such file: {', '.join(missing)}")
    campaigns = [load_campaign(Path(path)) for path in paths]
    with transaction(_sessions(sessions)) as session:
        return [publish(session, campaign) for campaign in campaigns]


@dataclass(frozen=True)
class FileCheck:
    path: str
    problems: list[Problem]
    exists: bool = True

    @property
    def errors(self) -> int:
        return sum(problem.level == "error" for problem in self.problems) + (not self.exists)

    @property
    def warnings(self) -> int:
        return sum(problem.level == "warning" for problem in self.problems)


def check_files(paths: list[str]) -> list[FileCheck]:
    """Every problem in each file, compared with the published campaigns when a database is
    configured (a check never creates one)."""
    return [FileCheck(path, check_with_published(path)) if Path(path).exists()
            else FileCheck(path, [], exists=False) for path in paths]


@dataclass(frozen=True)
class LiveCampaign:
    slug: str
    version: int
    keywords: list[str]
    languages: list[str]


def live_campaigns(sessions: sessionmaker) -> list[LiveCampaign]:
    """The newest version of every published campaign."""
    with transaction(sessions) as session:
        rows = CampaignRepository(session).live_versions()
        return [LiveCampaign(row.slug, row.version, list(campaign.keywords),
                             list(campaign.languages))
                for row, campaign in ((row, Campaign.from_dict(row.definition)) for row in rows)]
