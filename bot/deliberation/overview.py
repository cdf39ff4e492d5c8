"""Where each campaign stands on the way from private answers to public results: open
answers waiting for review, quotes approved, themes, the public page, the follow-up. The
console's "Sharing results" page lists it; nothing here changes anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.store.models import CampaignVersion


@dataclass
class CampaignWork:
    slug: str
    title: str
    status: str  # live or closed
    open_questions: int
    waiting: int  # open answers not yet reviewed
    approved: int
    themes: int
    published_at: datetime | None = None  # the public page, if published
    opted_in: int = 0  # residents who asked to hear what happened
    told: int = 0  # of them, sent the "you said, we did" message


class UnknownCampaign(LookupError):
    """No campaign has been published with this id."""


def newest(session: Session, slug: str) -> tuple[CampaignVersion, Campaign]:
    row = (session.query(CampaignVersion).filter_by(slug=slug)
           .order_by(CampaignVersion.version.desc()).first())
    if row is None:
        raise UnknownCampaign(f"No campaign called '{slug}' has been published. "
                              "See `engage campaign list`.")
    return row, Campaign.from_dict(row.definition)


def campaign_work(session: Session, slug: str) -> CampaignWork:
    from bot.deliberation import follow_up, moderation, public, themes

    row, campaign = newest(session, slug)
    summaries = themes.summary(session, slug)
    published = public.published(session, slug)
    counts = follow_up.counts(session, slug)
    return CampaignWork(
        slug, campaign.title.get(campaign.default_language, slug), row.status,
        len(summaries), len(moderation.queue(session, slug)),
        len(moderation.approved_quotes(session, slug)),
        sum(len(s.themes) for s in summaries),
        published.published_at if published else None, counts.opted_in, counts.told)


def campaigns(session: Session) -> list[CampaignWork]:
    """Every published campaign, newest first."""
    slugs = [slug for (slug,) in session.query(CampaignVersion.slug)
             .group_by(CampaignVersion.slug)
             .order_by(CampaignVersion.slug)]
    found = [campaign_work(session, slug) for slug in slugs]
    return sorted(found, key=lambda work: (work.status != "live", work.slug))
