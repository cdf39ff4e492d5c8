"""The audit log: launches, closes, exports, erasures, imports and purges, with who and when."""

from __future__ import annotations

import getpass
import os
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry


def actor() -> str:
    """Who is acting: ENGAGE_ACTOR (set it to a name in shared set-ups), else the OS user."""
    return os.environ.get("ENGAGE_ACTOR") or getpass.getuser()


def record(session: Session, action: str, subject: str | None = None,
           details: dict[str, Any] | None = None, who: str | None = None) -> AuditEntry:
    entry = AuditEntry(actor=who or actor(), action=action, subject=subject, details=details or {})
    session.add(entry)
    return entry


def search(session: Session, action: str | None = None, actor: str | None = None,
           since: datetime | None = None, before: datetime | None = None,
           limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Entries newest first, narrowed by action, actor (part of the name or email, any case)
    and time: on or after `since`, before `before`."""
    query = session.query(AuditEntry)
    if action:
        query = query.filter(AuditEntry.action == action)
    if actor:
        query = query.filter(sa.func.lower(AuditEntry.actor).contains(actor.lower(),
                                                                      autoescape=True))
    if since is not None:
        query = query.filter(AuditEntry.at >= since)
    if before is not None:
        query = query.filter(AuditEntry.at < before)
    return (query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(offset).limit(limit).all())


def actions(session: Session) -> list[str]:
    """Every action the log holds, for a filter's choices."""
    return sorted(row[0] for row in session.query(AuditEntry.action).distinct())
