"""Closing a campaign: it takes no new residents. Residents part-way through may finish;
anyone who texts the keyword afterwards is told kindly that it has closed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.campaigns.versions import versions
from bot.store.db import transaction

CLOSED = "closed"


@dataclass(frozen=True)
class Closed:
    slug: str
    versions: int  # how many versions it has (all are closed)
    already: bool  # it was closed before


def close_campaign(sessions: sessionmaker, slug: str, by: str | None = None) -> Closed:
    """Close every version of `slug` in a transaction of its own, recorded in the audit log
    (as `by`, default the actor). Raises UnknownCampaign for an unknown campaign, changing
    nothing."""
    with transaction(sessions) as session:
        return close_versions(session, slug, by)


def close_versions(session: Session, slug: str, by: str | None = None) -> Closed:
    """`close_campaign` in the caller's transaction (the console's request holds one)."""
    slug = slug.strip()
    rows = versions(session, slug)
    already = all(row.status == CLOSED for row in rows)
    for row in rows:
        row.status = CLOSED
    audit.record(session, "close", slug, {"versions": len(rows), "already_closed": already},
                 who=by)
    return Closed(slug, len(rows), already)
