"""Every published version of a campaign slug: the one lookup results, status, reach,
exports, launches and closing share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.errors import UnknownCampaign
from bot.store.models import CampaignVersion


def versions(session: Session, slug: str) -> list[CampaignVersion]:
    """The versions of `slug`, oldest first; UnknownCampaign if none was published."""
    rows = (session.query(CampaignVersion).filter_by(slug=slug)
            .order_by(CampaignVersion.version).all())
    if not rows:
        raise UnknownCampaign(slug)
    return rows


def version_ids(session: Session, slug: str) -> list[int]:
    """The row ids of every version of `slug` (empty if none was published)."""
    return [version_id for (version_id,) in
            session.query(CampaignVersion.id).filter(CampaignVersion.slug == slug)
            .order_by(CampaignVersion.version)]
