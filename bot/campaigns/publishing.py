"""Publishing campaign files: check them all, then store each (a changed campaign becomes a
new version). Used by `engage campaign publish`, `engage run` and the console."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.loader import load_campaign


def publish_files(paths: list[str], url: str | None = None) -> list[str]:
    """Check and publish campaign files; raise CampaignInvalid before storing anything.
    Returns one line per file, like "buses-2026: version 2 created"."""
    from bot import config
    from bot.store.db import session_factory, transaction
    from bot.store.repository import CampaignRepository

    campaigns = [load_campaign(Path(path)) for path in paths]
    lines = []
    with transaction(session_factory(url or config.database_url())) as session:
        repo = CampaignRepository(session)
        for campaign in campaigns:
            result = repo.publish(campaign)
            lines.append(f"{result.slug}: version {result.version} {result.action}")
    return lines
