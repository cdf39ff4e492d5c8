"""Helpers for the conversation service tests: published campaigns, a resident writing in on
a provider channel (vault entry and inbox row, as the channel records them), and row counts."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import sqlalchemy as sa
from constants import SECRET
from sqlalchemy.orm import sessionmaker

from bot.campaigns.loader import load_campaign
from bot.catalogue import Catalogue
from bot.conversation import ConversationService, TurnResult
from bot.outbound.providers import build_providers
from bot.outbound.sender import OutboxSender, SenderSettings
from bot.store.db import transaction
from bot.store.models import Base, InboxMessage, OutboxMessage, Participant
from bot.store.repository import CampaignRepository
from bot.store.vault import ContactVault

ROOT = Path(__file__).resolve().parents[2]
ALL_STEPS = ROOT / "tests" / "fixtures" / "campaign_all_steps.yml"
BUSES = ROOT / "campaigns" / "buses-2026.yml"
PARKS = ROOT / "campaigns" / "parks-2026.yml"
_message_ids = itertools.count(1)


def publish(factory: sessionmaker, *paths: Path) -> None:
    with transaction(factory) as session:
        for path in paths or (ALL_STEPS,):
            CampaignRepository(session).publish(load_campaign(path))


def service(factory: sessionmaker) -> ConversationService:
    return ConversationService(factory, Catalogue(check_every=0))


def resident(factory: sessionmaker, channel: str = "twilio_sms",
             address: str = "+447700900123") -> str:
    """A resident the channel has met: their vault entry; the pseudonym."""
    with transaction(factory) as session:
        return ContactVault(session, SECRET).remember(channel, address)


def inbound(factory: sessionmaker, name: str, text: str, channel: str = "twilio_sms") -> int:
    """The inbox row a provider channel records before the action runs."""
    with transaction(factory) as session:
        row = InboxMessage(provider="twilio" if channel != "telegram" else "telegram",
                           provider_message_id=f"M{next(_message_ids)}", channel=channel,
                           pseudonym=name, body=text, status="pending")
        session.add(row)
        session.flush()
        return row.id


def say(convo: ConversationService, factory: sessionmaker, name: str, text: str,
        channel: str = "twilio_sms", **kwargs) -> TurnResult:
    """One message as a provider channel passes it on: recorded, then handled."""
    return convo.handle(name, channel, text, inbox_id=inbound(factory, name, text, channel),
                        **kwargs)


def send_outbox(factory: sessionmaker, env: dict[str, str], timeout: float = 10.0) -> None:
    """Run the real outbox sender (the real clients, pointed at the fakes by `env`) until
    nothing is left to send."""
    settings = SenderSettings(poll_seconds=0.02, max_attempts=3, backoff_base=0.05,
                              backoff_cap=0.2, shared_pacing=False,
                              rates={"twilio_sms": 1000.0, "twilio_whatsapp": 1000.0,
                                     "telegram": 1000.0})
    env = {"TWILIO_SMS_FROM": "+447700900000", "TWILIO_WHATSAPP_FROM": "+447700900001",
           "ENGAGE_PUBLIC_URL": "http://127.0.0.1:9", "ENGAGE_SEND_TIMEOUT": "1", **env}

    async def run() -> None:
        sender = OutboxSender(factory, SECRET, build_providers(env), settings)
        deadline = time.monotonic() + timeout
        try:
            while True:
                await sender.kick()
                with transaction(factory) as session:
                    left = session.query(OutboxMessage.id).filter(
                        OutboxMessage.status.in_(("queued", "sending"))).count()
                if not left:
                    return
                assert time.monotonic() < deadline, f"{left} message(s) still to send"
                await asyncio.sleep(0.02)
        finally:
            await sender.close()

    asyncio.run(run())


def rows_of(factory: sessionmaker, name: str) -> dict[str, int]:
    """How many rows of each table name this pseudonym (tables that have the column)."""
    counts = {}
    with transaction(factory) as session:
        for table in Base.metadata.sorted_tables:
            if "pseudonym" in table.c:
                counts[table.name] = session.execute(
                    sa.select(sa.func.count()).select_from(table)
                    .where(table.c.pseudonym == name)).scalar()
    return counts


def participants(factory: sessionmaker, name: str | None = None) -> list[Participant]:
    with transaction(factory) as session:
        query = session.query(Participant).order_by(Participant.id)
        if name is not None:
            query = query.filter_by(pseudonym=name)
        rows = query.all()
        session.expunge_all()
        return rows


def outbox(factory: sessionmaker, name: str) -> list[OutboxMessage]:
    with transaction(factory) as session:
        rows = session.query(OutboxMessage).filter_by(pseudonym=name).order_by(
            OutboxMessage.id).all()
        session.expunge_all()
        return rows


def inbox(factory: sessionmaker, name: str) -> list[InboxMessage]:
    with transaction(factory) as session:
        rows = session.query(InboxMessage).filter_by(pseudonym=name).order_by(
            InboxMessage.id).all()
        session.expunge_all()
        return rows
