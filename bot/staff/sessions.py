"""Signing in and out, and the console's server-side sessions.

The browser holds a random token; the database keeps only its SHA-256, beside a CSRF token
for the session's forms. A session ends after a stretch without use (idle) and, however
busy, after an absolute lifetime. Every refusal to sign in reads the same, whether or not
the email has an account, and takes as long (the password is checked against a dummy hash).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import audit
from bot.staff import StaffError, accounts, throttle
from bot.staff.passwords import (
    MAX_LENGTH,
    hash_password,
    needs_rehash,
    unusable_hash,
    verify_password,
)
from bot.staff.throttle import ThrottlePolicy
from bot.store.models import StaffAccount, StaffSession

TOKEN_BYTES = 32
MAX_TOKEN = 128  # anything longer in a cookie is not one of ours
REFUSED = ("That email and password do not match an account that can sign in. "
           "Check them and try again.")


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)
    throttle: ThrottlePolicy = ThrottlePolicy()


@dataclass(frozen=True)
class Current:
    """The signed-in member behind a request."""

    session_id: int
    member: accounts.Member
    csrf_token: str


@dataclass(frozen=True)
class SignedIn:
    token: str  # for the cookie; never stored
    current: Current


@dataclass(frozen=True)
class Refused:
    message: str
    throttled: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _wait_words(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def sign_in(session: Session, email: str, password: str, client: str, now: datetime,
            policy: SessionPolicy) -> SignedIn | Refused:
    """Check the email and password and open a session, or say why not (nothing raised, so
    the caller's transaction keeps the count of refusals)."""
    try:
        address = accounts.normalise_email(email)
    except StaffError as error:
        return Refused(str(error))
    if not password:
        return Refused("Enter your password.")
    wait = throttle.wait_needed(session, address, client, now, policy.throttle)
    if wait is not None:
        return Refused(f"Too many sign-in attempts. Wait {_wait_words(wait)}, then try again.",
                       throttled=True)
    row = session.query(StaffAccount).filter_by(email=address).one_or_none()
    usable = row is not None and row.disabled_at is None
    matches = verify_password(password[:MAX_LENGTH + 1], row.password_hash if row else unusable_hash())
    if not (usable and matches):
        throttle.record_failure(session, address, client, now)
        if row is not None:
            audit.record(session, "sign-in-refused", row.email,
                         {"reason": "disabled" if matches else "wrong password"}, who=row.email)
        return Refused(REFUSED)
    throttle.forget(session, address)
    throttle.purge(session, now, policy.throttle)
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    audit.record(session, "sign-in", row.email, {}, who=row.email)
    return open_session(session, row, now, policy)


def open_session(session: Session, row: StaffAccount, now: datetime,
                 policy: SessionPolicy) -> SignedIn:
    """A new session for an account whose password was just checked (or set)."""
    session.query(StaffSession).filter(StaffSession.expires_at <= now).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record = StaffSession(token_hash=token_hash(token), account_id=row.id,
                          csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
                          created_at=now, last_seen_at=now, expires_at=now + policy.lifetime)
    session.add(record)
    session.flush()
    return SignedIn(token, Current(record.id, accounts.member_of(row), record.csrf_token))


def current(session: Session, token: str | None, now: datetime, policy: SessionPolicy,
            touch: bool = True) -> Current | None:
    """The member signed in with this token, or None (an ended session is deleted).

    `touch` counts the request as activity; background polling passes False, so a page left
    open still signs out when idle.
    """
    if not token or len(token) > MAX_TOKEN:
        return None
    record = session.query(StaffSession).filter_by(token_hash=token_hash(token)).one_or_none()
    if record is None:
        return None
    ended = (record.account.disabled_at is not None or now >= record.expires_at
             or now - record.last_seen_at >= policy.idle)
    if ended:
        session.delete(record)
        return None
    if touch:
        record.last_seen_at = now
    return Current(record.id, accounts.member_of(record.account), record.csrf_token)


def sign_out(session: Session, token: str | None) -> str | None:
    """End the session; the email of whoever it was, for the caller to say goodbye."""
    if not token or len(token) > MAX_TOKEN:
        return None
    record = session.query(StaffSession).filter_by(token_hash=token_hash(token)).one_or_none()
    if record is None:
        return None
    email = record.account.email
    session.delete(record)
    audit.record(session, "sign-out", email, {}, who=email)
    return email
