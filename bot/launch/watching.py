"""One launch as staff follow it after pressing "Launch": what was launched, by whom, and how
far its invitations have got (sent, failed with reasons, delivered). The console's progress
page reads this every few seconds; `engage campaign launch` draws the same counts as a bar
(bot.launch.running.count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.model import Campaign
from bot.launch.describing import quiet_words, rate_words
from bot.launch.running import Progress, count
from bot.outbound.providers import CHANNEL_WORDS
from bot.store.db import transaction
from bot.store.models import CampaignVersion, Invitation, Launch


@dataclass(frozen=True)
class LaunchSummary:
    id: int
    slug: str
    version: int
    title: str
    audience: str
    channel: str  # in staff words
    pace: str
    due_at: datetime  # naive UTC
    by: str
    at: datetime  # when it was launched (naive UTC)


@dataclass(frozen=True)
class LaunchProgress:
    launch: LaunchSummary
    progress: Progress
    quiet: str | None  # "It is quiet hours ..." while nothing may be sent

    @property
    def finished(self) -> bool:
        return self.progress.done >= self.progress.total


def _summary(row: Launch, version: CampaignVersion) -> LaunchSummary:
    campaign = Campaign.from_dict(version.definition)
    return LaunchSummary(
        row.id, version.slug, version.version,
        campaign.title.get(campaign.default_language, version.slug), row.audience,
        CHANNEL_WORDS.get(row.channel or "", "every channel in the audience"),
        "each channel's own rate" if row.rate_per_second is None
        else f"at most {rate_words(row.rate_per_second)}",
        row.due_at, row.created_by, row.created_at)


def recent(session: Session, limit: int = 20) -> list[LaunchSummary]:
    """The latest launches, newest first."""
    rows = (session.query(Launch, CampaignVersion)
            .join(CampaignVersion, CampaignVersion.id == Launch.campaign_id)
            .order_by(Launch.id.desc()).limit(limit))
    return [_summary(row, version) for row, version in rows]


def launch_progress(factory: sessionmaker, launch_id: int) -> LaunchProgress | None:
    """How far this launch's own invitations have got; None for a launch that does not exist."""
    with transaction(factory) as session:
        found = (session.query(Launch, CampaignVersion)
                 .join(CampaignVersion, CampaignVersion.id == Launch.campaign_id)
                 .filter(Launch.id == launch_id).first())
        if found is None:
            return None
        row, version = found
        summary = _summary(row, version)
        campaign = Campaign.from_dict(version.definition)
        ids = [i for (i,) in session.query(Invitation.id).filter(Invitation.launch_id == row.id)
               .order_by(Invitation.id)]
    return LaunchProgress(summary, count(factory, ids), quiet_words(campaign))
