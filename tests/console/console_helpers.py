"""Helpers for console tests: accounts with a known password, sessions opened through the
service, CSRF tokens read from the pages as a browser would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.staff.passwords import hash_password
from bot.staff.sessions import SessionPolicy, open_session
from bot.store.db import transaction
from bot.store.models import AuditEntry, StaffAccount

PASSWORD = "a long staff password"
SESSION_COOKIE = "engage_console"
ROLES = ("admin", "officer", "viewer")
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "campaigns" / "buses-2026.yml"
SLUG = "buses-2026"
NO_BOT = "http://127.0.0.1:9"  # nothing listens there: never a bot someone else is running


class Clock:
    """The console's clock, moved by the test (naive UTC)."""

    def __init__(self, start: datetime = datetime(2026, 11, 25, 9, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@lru_cache(maxsize=1)
def known_hash() -> str:
    """One scrypt hash of PASSWORD for the whole run: hashing costs ~0.1 s by design."""
    return hash_password(PASSWORD)


def add_member(db: sessionmaker, role: str, email: str | None = None,
               must_change: bool = False, disabled: bool = False) -> int:
    with transaction(db) as session:
        row = StaffAccount(email=email or f"{role}@council.example", display_name=role.title(),
                           role=role, password_hash=known_hash(), must_change_password=must_change,
                           disabled_at=datetime(2026, 1, 1) if disabled else None)
        session.add(row)
        session.flush()
        return row.id


def open_session_for(client: TestClient, db: sessionmaker, account_id: int,
                     now: datetime, policy: SessionPolicy | None = None) -> str:
    """Sign the client in as this account (the cookie a sign-in sets); its CSRF token."""
    with transaction(db) as session:
        signed = open_session(session, session.get(StaffAccount, account_id), now,
                              policy or SessionPolicy())
    client.cookies.set(SESSION_COOKIE, signed.token)
    return signed.current.csrf_token


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/"):
    """The sign-in form, filled in and sent, as a browser does it."""
    token = csrf_of(client.get("/sign-in").text)
    return client.post("/sign-in", data={"csrf_token": token, "email": email,
                                         "password": password, "next": next_path},
                       follow_redirects=False)


def audit_rows(db: sessionmaker) -> list[tuple[str, str, str | None]]:
    with transaction(db) as session:
        return [(e.actor, e.action, e.subject)
                for e in session.query(AuditEntry).order_by(AuditEntry.id)]


def publish_example(db: sessionmaker, path: Path = EXAMPLE) -> str:
    """Publish an example campaign file, as `engage campaign publish` does; its id."""
    from bot.campaigns.loader import load_campaign
    from bot.store.repository import CampaignRepository

    campaign = load_campaign(path)
    with transaction(db) as session:
        CampaignRepository(session).publish(campaign)
    return campaign.id
