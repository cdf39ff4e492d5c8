"""The audit log: launches, closes, exports, erasures, imports and purges, with who and when."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot import settings
from bot.errors import BadRequest
from bot.store.db import transaction
from bot.store.models import AuditEntry


def actor() -> str:
    """Who is acting: ENGAGE_ACTOR (set it to a name in shared set-ups), else the OS user."""
    return settings.value("ENGAGE_ACTOR") or getpass.getuser()


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


@dataclass(frozen=True)
class Entry:
    at: datetime  # naive UTC
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def read_since(text: str | None) -> datetime | None:
    """"2026-11-01" -> that day's start (UTC); BadRequest for anything else."""
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise BadRequest(f"--since '{text}' is not a date like 2026-11-01.") from None


def read_limit(text: str | int) -> int:
    """A whole number of 1 or more; BadRequest for anything else."""
    value = str(text).strip()
    if not value.isdigit() or int(value) < 1:
        raise BadRequest(f"--limit '{text}' must be a whole number of 1 or more.")
    return int(value)


def entries(sessions: sessionmaker, action: str | None = None, since: datetime | None = None,
            limit: int = 50, actor: str | None = None) -> list[Entry]:
    """`engage audit`: entries newest first, narrowed by action, actor and date."""
    with transaction(sessions) as session:
        return [Entry(e.at, e.actor, e.action, e.subject or "", e.details or {})
                for e in search(session, action=(action or "").strip().lower() or None,
                                actor=actor, since=since, limit=limit)]

