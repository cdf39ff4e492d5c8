"""Closing a campaign: it takes no new residents. Residents part-way through may finish;
anyone who texts the keyword afterwards is told kindly that it has closed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import audit
from bot.campaigns.versions import versions

CLOSED = "closed"


def close_campaign(session: Session, slug: str, who: str | None = None) -> tuple[int, bool]:
    """Close every version of `slug`: (number of versions, whether it was already closed).
    Raises UnknownCampaign for an unknown campaign, changing nothing. `who`: the staff
    member the audit log names (the console's); by default the command line's user."""
    rows = versions(session, slug)
    already = all(row.status == CLOSED for row in rows)
    for row in rows:
        row.status = CLOSED
    audit.record(session, "close", slug, {"versions": len(rows), "already_closed": already},
                 who=who)
    return len(rows), already
