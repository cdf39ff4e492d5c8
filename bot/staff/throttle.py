"""Sign-in throttling: after too many refused sign-ins for one email, or from one client
address, within a window, sign-in waits until the oldest of them leaves the window.

Counted for emails with and without an account alike, so the wait says nothing about
whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.store.models import StaffSignInFailure

MAX_CLIENT = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    failures: int = 5
    window: timedelta = timedelta(minutes=15)


def _wait_for(session: Session, column, value: str, now: datetime,
              policy: ThrottlePolicy) -> timedelta | None:
    recent = (session.query(StaffSignInFailure.at)
              .filter(column == value, StaffSignInFailure.at > now - policy.window)
              .order_by(StaffSignInFailure.at.desc())
              .limit(policy.failures).all())
    if len(recent) < policy.failures:
        return None
    oldest_counted = recent[-1][0]
    return oldest_counted + policy.window - now


def wait_needed(session: Session, email: str, client: str, now: datetime,
                policy: ThrottlePolicy) -> timedelta | None:
    """How long sign-in must wait for this email or client address, or None."""
    waits = [w for w in (_wait_for(session, StaffSignInFailure.email, email, now, policy),
                         _wait_for(session, StaffSignInFailure.client, client[:MAX_CLIENT],
                                   now, policy)) if w is not None]
    return max(waits) if waits else None


def record_failure(session: Session, email: str, client: str, now: datetime) -> None:
    session.add(StaffSignInFailure(at=now, email=email[:128], client=client[:MAX_CLIENT]))


def forget(session: Session, email: str) -> None:
    """A successful sign-in clears the account's count (the client's count stays)."""
    session.query(StaffSignInFailure).filter_by(email=email).delete()


def purge(session: Session, now: datetime, policy: ThrottlePolicy) -> None:
    session.query(StaffSignInFailure).filter(
        StaffSignInFailure.at <= now - policy.window).delete()
