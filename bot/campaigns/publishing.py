"""Publishing campaigns: check them, then store each (a changed campaign becomes a new version
once residents have taken part in it). Used by `engage campaign publish`, `engage run` and the
console."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign
from bot.store.repository import CampaignRepository, PublishResult


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


def publish_files(paths: list[str], url: str | None = None) -> list[str]:
    """Check and publish campaign files; raise CampaignInvalid before storing anything.
    Returns one line per file, like "buses-2026: version 2 created"."""
    from bot import config
    from bot.store.db import session_factory, transaction

    campaigns = [load_campaign(Path(path)) for path in paths]
    lines = []
    with transaction(session_factory(url or config.database_url())) as session:
        for campaign in campaigns:
            result = publish(session, campaign)
            lines.append(f"{result.slug}: version {result.version} {result.action}")
    return lines
