"""Every campaign at a glance, for the console's campaign list: its status (draft, live,
closed), versions, languages, keywords and headline counts.

The counts are the funnel's stages (bot.stages: Started, Agreed, Finished), counted the one
way status, results and exports count them; nothing here defines a figure of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.stages import AGREED, FINISHED, STARTED, Stage, latest_participations, stages_of
from bot.store.models import CampaignDraft, CampaignVersion

DRAFT, LIVE, CLOSED = "draft", "live", "closed"
STATUS_WORDS = {
    DRAFT: "Draft: saved, not published; residents cannot take part yet",
    LIVE: "Live: residents can take part",
    CLOSED: "Closed: no new residents; those part-way through may finish",
}
HEADLINE: tuple[Stage, ...] = (STARTED, AGREED, FINISHED)


@dataclass(frozen=True)
class Headline:
    stage: Stage
    count: int


@dataclass(frozen=True)
class CampaignSummary:
    slug: str
    title: str
    status: str  # draft, live or closed
    versions: list[int]
    languages: list[str]
    keywords: list[str]
    counts: list[Headline] = field(default_factory=list)
    draft_saved_at: datetime | None = None
    draft_saved_by: str | None = None
    unpublished_changes: bool = False  # a saved draft differs from what was last published

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def published(self) -> bool:
        return bool(self.versions)


def headline_counts(session: Session, version_ids: list[int]) -> list[Headline]:
    totals: Counter = Counter()
    for participant in latest_participations(session, version_ids):
        totals.update(stages_of(participant.consent, participant.status,
                                participant.last_message_at))
    return [Headline(stage, totals.get(stage.key, 0)) for stage in HEADLINE]


def _summary(campaign: Campaign, status: str, versions: list[int],
             counts: list[Headline], draft: CampaignDraft | None) -> CampaignSummary:
    return CampaignSummary(
        slug=campaign.id, title=campaign.title.get(campaign.default_language, campaign.id),
        status=status, versions=versions, languages=list(campaign.languages),
        keywords=list(campaign.keywords), counts=counts,
        draft_saved_at=draft.saved_at if draft else None,
        draft_saved_by=draft.saved_by if draft else None,
        unpublished_changes=draft is not None and (
            draft.published_at is None or draft.saved_at > draft.published_at))


def summarise(session: Session, slug: str) -> CampaignSummary | None:
    """One campaign, published or only a draft; None when there is neither."""
    rows = (session.query(CampaignVersion).filter_by(slug=slug)
            .order_by(CampaignVersion.version).all())
    draft = session.query(CampaignDraft).filter_by(slug=slug).one_or_none()
    if rows:
        newest = rows[-1]
        return _summary(Campaign.from_dict(newest.definition), newest.status,
                        [row.version for row in rows],
                        headline_counts(session, [row.id for row in rows]), draft)
    if draft is None:
        return None
    from bot.campaigns.drafts import draft_campaign  # late: drafts reads files via the loader

    campaign = draft_campaign(draft)
    if campaign is None:
        return None
    return _summary(campaign, DRAFT, [], [Headline(stage, 0) for stage in HEADLINE], draft)


def campaign_list(session: Session) -> list[CampaignSummary]:
    """Live campaigns first, then drafts, then closed ones; by id within each."""
    slugs = {slug for (slug,) in session.query(CampaignVersion.slug).distinct()}
    slugs |= {slug for (slug,) in session.query(CampaignDraft.slug)}
    found = [summary for slug in sorted(slugs) if (summary := summarise(session, slug))]
    order = {LIVE: 0, DRAFT: 1, CLOSED: 2}
    return sorted(found, key=lambda summary: (order.get(summary.status, 3), summary.slug))
