"""The published campaigns, cached in memory and reloaded whenever anything is published.

The cache holds plain data (`Version` and the `Campaign`), never ORM rows: a row belongs to
the session that loaded it, and a rolled-back transaction would leave the cache holding
rows that can no longer be read (every later resident would fail until a restart).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.campaigns.keywords import keyword_of
from bot.campaigns.model import Campaign
from bot.engine.prompts import keyword as keyword_for_language
from bot.store.models import CampaignVersion
from bot.store.repository import CampaignRepository


@dataclass(frozen=True)
class Version:
    """What the conversation needs of a published version, copied out of its row."""

    id: int
    slug: str
    version: int

    @classmethod
    def of(cls, row: CampaignVersion) -> Version:
        return cls(row.id, row.slug, row.version)


class Catalogue:
    def __init__(self, check_every: float = 2.0) -> None:
        self.check_every = check_every
        self._checked_at = 0.0
        self._revision: tuple[int, ...] | None = None
        self._by_keyword: dict[str, int] = {}
        self._closed_by_keyword: dict[str, int] = {}  # keywords of closed campaigns
        self._by_id: dict[int, tuple[Version, Campaign]] = {}

    def refresh(self, session: Session) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_every and self._revision is not None:
            return
        repo = CampaignRepository(session)
        # Closing changes a status, not what was published: count the closed versions too.
        closed_count = session.query(sa.func.count(CampaignVersion.id)).filter(
            CampaignVersion.status == "closed").scalar()
        revision = (*repo.revision(), closed_count)
        self._checked_at = now
        if revision == self._revision:
            return
        by_id: dict[int, tuple[Version, Campaign]] = {}
        by_keyword: dict[str, int] = {}
        for row in repo.live_versions():
            by_id[row.id] = self._copy(row)
            for keyword in by_id[row.id][1].keywords:
                by_keyword[keyword.upper()] = row.id
        closed_by_keyword: dict[str, int] = {}
        for row in self._closed_versions(session):
            by_id[row.id] = self._copy(row)
            for keyword in by_id[row.id][1].keywords:
                closed_by_keyword.setdefault(keyword.upper(), row.id)
        # Only a complete reload replaces the cache: a failure above leaves the old one whole.
        self._by_id, self._by_keyword = by_id, by_keyword
        self._closed_by_keyword, self._revision = closed_by_keyword, revision

    @staticmethod
    def _closed_versions(session: Session) -> list[CampaignVersion]:
        """The newest closed version of each closed campaign, newest first."""
        rows = (session.query(CampaignVersion).filter(CampaignVersion.status == "closed")
                .order_by(CampaignVersion.version.desc(), CampaignVersion.id.desc()).all())
        newest: dict[str, CampaignVersion] = {}
        for row in rows:
            newest.setdefault(row.slug, row)
        return list(newest.values())

    @staticmethod
    def _copy(row: CampaignVersion) -> tuple[Version, Campaign]:
        return Version.of(row), Campaign.from_dict(row.definition)

    def for_keyword(self, session: Session, text: str) -> tuple[Version, Campaign] | None:
        if len(text) > 64:
            return None
        version_id = self._by_keyword.get(keyword_of(text))
        return self.version(session, version_id) if version_id else None

    def closed_for_keyword(self, session: Session,
                           text: str) -> tuple[Version, Campaign] | None:
        """The closed campaign this keyword used to start, if no live campaign has it now."""
        if len(text) > 64:
            return None
        keyword = keyword_of(text)
        if keyword in self._by_keyword:
            return None
        version_id = self._closed_by_keyword.get(keyword)
        return self.version(session, version_id) if version_id else None

    def live_for_slug(self, session: Session, slug: str) -> tuple[Version, Campaign] | None:
        """The version a resident who starts `slug` afresh would get, if it is open."""
        for version_id in set(self._by_keyword.values()):
            info, campaign = self.version(session, version_id)
            if info.slug == slug:
                return info, campaign
        return None

    def version(self, session: Session, version_id: int) -> tuple[Version, Campaign]:
        if version_id not in self._by_id:
            self._by_id[version_id] = self._copy(session.get(CampaignVersion, version_id))
        return self._by_id[version_id]

    def live(self) -> list[Campaign]:
        """Every live campaign, in the order of their first keywords."""
        campaigns = {version_id: self._by_id[version_id][1]
                     for version_id in set(self._by_keyword.values())}
        return sorted(campaigns.values(), key=lambda c: c.keywords[0] if c.keywords else "")

    def keywords(self, language: str | None = None) -> list[str]:
        """One keyword of each live campaign, to tell a resident how to start: the campaign's
        word for their language where it has one (see prompts.keyword), else its first."""
        return sorted(keyword_for_language(campaign, language) for campaign in self.live())
