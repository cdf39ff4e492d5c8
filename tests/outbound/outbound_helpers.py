"""Helpers for the outbound tests: the database, the fakes, the real clients pointed at them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from constants import SECRET
from fakes import FakeTelegram, FakeTwilio
from sqlalchemy.orm import sessionmaker

from bot.outbound.providers import build_providers
from bot.outbound.sender import OutboxSender, SenderSettings
from bot.store.db import transaction
from bot.store.models import Contact, InboxMessage, OutboxMessage, utcnow
from bot.store.outbox import PENDING, enqueue
from bot.store.vault import ContactVault

RESIDENT = "+447700900123"
SMS_FROM = "+447700900000"
WHATSAPP_FROM = "+447700900001"
PUBLIC_URL = "http://127.0.0.1:9"  # nothing listens: these tests never need the callback
FAST = SenderSettings(poll_seconds=0.02, max_attempts=4, backoff_base=0.05, backoff_cap=0.2,
                      rates={"twilio_sms": 1000.0, "twilio_whatsapp": 1000.0,
                             "telegram": 1000.0})


def twilio_env(fake: FakeTwilio, **extra: str) -> dict[str, str]:
    return {**fake.env(), "TWILIO_SMS_FROM": SMS_FROM, "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "ENGAGE_PUBLIC_URL": PUBLIC_URL, "ENGAGE_SEND_TIMEOUT": "0.5", **extra}


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    return {**fake.env(), "ENGAGE_SEND_TIMEOUT": "0.5"}


def remember(factory: sessionmaker, channel: str = "twilio_sms", address: str = RESIDENT) -> str:
    with transaction(factory) as session:
        return ContactVault(session, SECRET).remember(channel, address)


def queue(factory: sessionmaker, pseudonym: str, body: str, channel: str = "twilio_sms",
          **fields: Any) -> int:
    with transaction(factory) as session:
        return enqueue(session, channel, pseudonym, body, **fields).id


def inbound(factory: sessionmaker, pseudonym: str, channel: str = "twilio_sms",
            received_at: datetime | None = None) -> int:
    """An inbox row, as the channel records a resident's message."""
    with transaction(factory) as session:
        row = InboxMessage(provider="twilio", provider_message_id=f"SM{time.monotonic_ns()}",
                           channel=channel, pseudonym=pseudonym, body="hi",
                           status="processed", received_at=received_at or utcnow())
        session.add(row)
        session.flush()
        return row.id


def rows(factory: sessionmaker, ids: Sequence[int]) -> dict[int, OutboxMessage | None]:
    with transaction(factory) as session:
        return {row_id: session.get(OutboxMessage, row_id) for row_id in ids}


def row(factory: sessionmaker, row_id: int) -> OutboxMessage:
    found = rows(factory, [row_id])[row_id]
    assert found is not None
    return found


def contact(factory: sessionmaker, pseudonym: str) -> Contact | None:
    with transaction(factory) as session:
        return session.query(Contact).filter_by(pseudonym=pseudonym).one_or_none()


@asynccontextmanager
async def sender_for(factory: sessionmaker, env: dict[str, str],
                     settings: SenderSettings = FAST) -> AsyncIterator[OutboxSender]:
    """A sender with the real providers built from `env` (pointing at the fakes)."""
    sender = OutboxSender(factory, SECRET, build_providers(env), settings)
    try:
        yield sender
    finally:
        await sender.close()


async def settle(sender: OutboxSender, factory: sessionmaker, ids: Sequence[int],
                 timeout: float = 10.0) -> dict[int, OutboxMessage | None]:
    """Kick until none of `ids` is queued or sending any more."""
    deadline = time.monotonic() + timeout
    while True:
        await sender.kick()
        found = rows(factory, ids)
        if all(r is None or r.status not in PENDING for r in found.values()):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending: {[(r.id, r.status) for r in found.values() if r]}")
        await asyncio.sleep(0.02)
