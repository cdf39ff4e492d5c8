"""The published campaigns, cached in memory and reloaded whenever anything is published."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.store.models import CampaignVersion
from bot.store.repository import CampaignRepository

KEYWORD_NOISE = re.compile(r"[^\w]+", re.UNICODE)


def keyword_of(text: str) -> str:
    """'  buses! ' -> 'BUSES'; '/start BUSES' (Telegram deep link) -> 'BUSES'."""
    text = text.strip()
    if text.lower().startswith("/start"):
        text = text[len("/start"):]
    return KEYWORD_NOISE.sub("", text).upper()


class Catalogue:
    def __init__(self, check_every: float = 2.0) -> None:
        self.check_every = check_every
        self._checked_at = 0.0
        self._revision: tuple[int, ...] | None = None
        self._by_keyword: dict[str, int] = {}
        self._closed_by_keyword: dict[str, int] = {}  # keywords of closed campaigns
        self._by_id: dict[int, tuple[CampaignVersion, Campaign]] = {}

    def refresh(self, session: Session) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_every and self._revision is not None:
            return
        self._checked_at = now
        repo = CampaignRepository(session)
        # Closing changes a status, not what was published: count the closed versions too.
        closed_count = session.query(sa.func.count(CampaignVersion.id)).filter(
            CampaignVersion.status == "closed").scalar()
        revision = (*repo.revision(), closed_count)
        if revision == self._revision:
            return
        self._revision = revision
        self._by_id.clear()
        self._by_keyword = {}
        for row in repo.live_versions():
            campaign = self._remember(row)
            for keyword in campaign.keywords:
                self._by_keyword[keyword.upper()] = row.id
        self._closed_by_keyword = {}
        for row in self._closed_versions(session):
            campaign = self._remember(row)
            for keyword in campaign.keywords:
                self._closed_by_keyword.setdefault(keyword.upper(), row.id)

    @staticmethod
    def _closed_versions(session: Session) -> list[CampaignVersion]:
        """The newest closed version of each closed campaign, newest first."""
        rows = (session.query(CampaignVersion).filter(CampaignVersion.status == "closed")
                .order_by(CampaignVersion.version.desc(), CampaignVersion.id.desc()).all())
        newest: dict[str, CampaignVersion] = {}
        for row in rows:
            newest.setdefault(row.slug, row)
        return list(newest.values())

    def _remember(self, row: CampaignVersion) -> Campaign:
        campaign = Campaign.from_dict(row.definition)
        self._by_id[row.id] = (row, campaign)
        return campaign

    def for_keyword(self, session: Session, text: str) -> tuple[CampaignVersion, Campaign] | None:
        if len(text) > 64:
            return None
        version_id = self._by_keyword.get(keyword_of(text))
        return self.version(session, version_id) if version_id else None

    def closed_for_keyword(self, session: Session,
                           text: str) -> tuple[CampaignVersion, Campaign] | None:
        """The closed campaign this keyword used to start, if no live campaign has it now."""
        if len(text) > 64:
            return None
        keyword = keyword_of(text)
        if keyword in self._by_keyword:
            return None
        version_id = self._closed_by_keyword.get(keyword)
        return self.version(session, version_id) if version_id else None

    def live_for_slug(self, session: Session, slug: str) -> tuple[CampaignVersion, Campaign] | None:
        """The version a resident who starts `slug` afresh would get, if it is open."""
        for version_id in set(self._by_keyword.values()):
            row, campaign = self.version(session, version_id)
            if row.slug == slug:
                return row, campaign
        return None

    def version(self, session: Session, version_id: int) -> tuple[CampaignVersion, Campaign]:
        if version_id not in self._by_id:
            self._remember(session.get(CampaignVersion, version_id))
        return self._by_id[version_id]

    def keywords(self) -> list[str]:
        """The first keyword of each live campaign, to tell a resident how to start."""
        seen: dict[int, str] = {}
        for keyword, version_id in self._by_keyword.items():
            seen.setdefault(version_id, keyword)
        return sorted(seen.values())
