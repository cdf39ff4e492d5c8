"""The audit log: launches, closes, exports, erasures, imports and purges, with who and when."""

from __future__ import annotations

import getpass
import os
from typing import Any

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
