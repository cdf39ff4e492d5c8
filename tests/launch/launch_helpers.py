"""Helpers for the launch tests: a published campaign with invitation templates, contacts in
groups, and row counts (imported by the tests)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from constants import SECRET
from sqlalchemy.orm import sessionmaker

from bot.campaigns.model import Campaign
from bot.outbound.providers import build_providers
from bot.outbound.sender import OutboxSender, SenderSettings
from bot.store.db import transaction
from bot.store.models import (
    Base,
    CampaignVersion,
    Contact,
    ContactGroupMember,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    utcnow,
)
from bot.store.repository import CampaignRepository
from bot.store.vault import ContactVault

SLUG = "launch-test"
GROUP = "library-nov"
TEMPLATE_EN, TEMPLATE_CY = "HX" + "e" * 32, "HX" + "c" * 32

DEFINITION: dict[str, Any] = {
    "id": SLUG,
    "title": {"en": "Buses", "cy": "Bysiau", "pl": "Autobusy"},
    "organisation": {"en": "Test Council", "cy": "Cyngor Prawf", "pl": "Urząd"},
    "languages": ["en", "cy", "pl"],
    "keywords": ["LAUNCHTEST"],
    "retention_days": 30,
    "consent": {"version": "1", "text": {
        "en": "Test Council asks about buses. Answers are anonymous.",
        "cy": "Rydyn ni'n holi am fysiau.",
        "pl": "Pytamy o autobusy."}},
    "thanks": {"en": "Thanks.", "cy": "Diolch.", "pl": "Dziękujemy."},
    "steps": [
        {"id": "travel", "type": "choice",
         "text": {"en": "How do you travel?", "cy": "Sut rydych chi'n teithio?",
                  "pl": "Jak podróżujesz?"},
         "options": [{"id": "bus", "text": {"en": "Bus", "cy": "Bws", "pl": "Autobus"}},
                     {"id": "walk", "text": {"en": "Walk", "cy": "Cerdded", "pl": "Pieszo"}}]},
        {"id": "ideas", "type": "text",
         "text": {"en": "What would help?", "cy": "Beth fyddai'n helpu?",
                  "pl": "Co by pomogło?"}},
    ],
    "timezone": "Europe/London",
    "reminder": {"after_hours": 24},
    "invitation": {"whatsapp": {"content_sid": {"en": TEMPLATE_EN, "cy": TEMPLATE_CY}}},
}


def campaign(**changes: Any) -> Campaign:
    return Campaign.from_dict({**DEFINITION, **changes})


def publish(factory: sessionmaker, **changes: Any) -> int:
    """Publish the test campaign (changed as asked); the version row's id."""
    with transaction(factory) as session:
        CampaignRepository(session).publish(campaign(**changes))
    with transaction(factory) as session:
        return session.query(sa.func.max(CampaignVersion.id)).filter_by(slug=SLUG).scalar()


def address(channel: str, number: int) -> str:
    """Contact `number` (0-499) of a channel: Ofcom's drama numbers, or a chat id."""
    if channel == "twilio_sms":
        return f"+447700900{number:03d}"
    if channel == "twilio_whatsapp":
        return f"whatsapp:+447700900{500 + number:03d}"
    return str(5000 + number)


def add_contact(factory: sessionmaker, channel: str, number: int, language: str | None = None,
                opted_out: bool = False, group: str | None = GROUP,
                wrote: bool = False) -> str:
    """A contact as `engage contacts import` leaves it (in a group); its pseudonym."""
    with transaction(factory) as session:
        name = ContactVault(session, SECRET).remember(channel, address(channel, number))
        session.query(Contact).filter_by(pseudonym=name).update(
            {"language": language, "opted_out_at": utcnow() if opted_out else None})
        if group:
            session.add(ContactGroupMember(group_name=group, pseudonym=name))
        if wrote:
            session.add(InboxMessage(provider="telegram", provider_message_id=f"m{number}",
                                     channel=channel, pseudonym=name, body="/start",
                                     status="processed"))
    return name


def row_counts(factory: sessionmaker) -> dict[str, int]:
    """Every table's row count: a dry run or a refused launch must leave them all alone."""
    with transaction(factory) as session:
        return {table.name: session.execute(sa.select(sa.func.count()).select_from(table))
                .scalar() for table in Base.metadata.sorted_tables}


def invitations(factory: sessionmaker) -> list[Invitation]:
    with transaction(factory) as session:
        rows = session.query(Invitation).order_by(Invitation.id).all()
        session.expunge_all()
        return rows


def outbox(factory: sessionmaker) -> list[OutboxMessage]:
    with transaction(factory) as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        session.expunge_all()
        return rows


def participants(factory: sessionmaker) -> list[Participant]:
    with transaction(factory) as session:
        rows = session.query(Participant).order_by(Participant.id).all()
        session.expunge_all()
        return rows


class Queue:
    """Stands in for the worker's queue: records what was enqueued."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, datetime | None]] = []

    def __call__(self, invitation_id: int, due_at: datetime | None) -> None:
        self.calls.append((invitation_id, due_at))


def audience(factory) -> dict[str, str]:
    """A group with one of everything: who is invited, and who is left out and why."""
    publish(factory)
    names = {
        "sms-en-1": add_contact(factory, "twilio_sms", 1, "en"),
        "sms-en-2": add_contact(factory, "twilio_sms", 2, "en"),
        "sms-cy": add_contact(factory, "twilio_sms", 3, "cy"),
        "sms-unknown": add_contact(factory, "twilio_sms", 4, None),
        "sms-french": add_contact(factory, "twilio_sms", 5, "fr"),  # not in the campaign: menu
        "sms-stopped": add_contact(factory, "twilio_sms", 6, "en", opted_out=True),
        "whatsapp-en": add_contact(factory, "twilio_whatsapp", 1, "en"),
        "whatsapp-pl": add_contact(factory, "twilio_whatsapp", 2, "pl"),  # no template
        "telegram-wrote": add_contact(factory, "telegram", 1, "en", wrote=True),
        "telegram-silent": add_contact(factory, "telegram", 2, "en"),
        "other-group": add_contact(factory, "twilio_sms", 7, "en", group="elsewhere"),
    }
    return names


FAST_SENDER = SenderSettings(poll_seconds=0.02, max_attempts=2, backoff_base=0.01,
                             backoff_cap=0.02, rates={"twilio_sms": 1000.0,
                                                      "twilio_whatsapp": 1000.0,
                                                      "telegram": 1000.0})


def hand_to_providers(factory: sessionmaker) -> int:
    """One pass of the bot's real outbox sender, with the providers this process's
    environment sets up (the fakes, in these tests): what Rasa's process does."""
    async def one_pass() -> int:
        sender = OutboxSender(factory, SECRET, build_providers(), FAST_SENDER)
        try:
            return await sender.kick()
        finally:
            await sender.close()

    return asyncio.run(one_pass())
