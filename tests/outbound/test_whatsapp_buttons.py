"""The service marks WhatsApp questions that have a Content template; other channels and
steps are untouched."""

from __future__ import annotations

import pytest

from bot.campaigns.loader import load_campaign
from bot.conversation import ConversationService
from bot.store.db import transaction
from bot.store.models import OutboxMessage
from bot.store.repository import CampaignRepository

EN, CY = "HX" + "a" * 32, "HX" + "b" * 32
CAMPAIGN = f"""\
id: wa-buttons
title: {{en: Buses, cy: Bysiau}}
organisation: {{en: Council, cy: Cyngor}}
languages: [en, cy]
keywords: [WABUS]
retention_days: 30
consent: {{version: "1", text: {{en: "We ask.", cy: "Rydym yn holi."}}}}
thanks: {{en: Thanks, cy: Diolch}}
steps:
  - id: travel
    type: choice
    text: {{en: "How do you travel?", cy: "Sut rydych chi'n teithio?"}}
    options: [{{id: bus, text: {{en: Bus, cy: Bws}}}}, {{id: walk, text: {{en: Walk, cy: Cerdded}}}}]
    whatsapp: {{type: quick-reply, content_sid: {{en: {EN}, cy: {CY}}}}}
  - id: ideas
    type: text
    text: {{en: "What would help?", cy: "Beth fyddai'n helpu?"}}
  - id: travel_again
    type: revisit
    of: travel
    text: {{en: "Once more.", cy: "Unwaith eto."}}
"""


@pytest.fixture
def service(factory) -> ConversationService:
    with transaction(factory) as session:
        CampaignRepository(session).publish(load_campaign(CAMPAIGN))
    return ConversationService(factory)


def turn(service, factory, channel: str, text: str) -> list[OutboxMessage]:
    """One message from the resident; the outbox rows it queued."""
    with transaction(factory) as session:
        before = session.query(OutboxMessage).count()
    service.handle("alice", channel, text)
    with transaction(factory) as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        session.expunge_all()
        return rows[before:]


def converse(service, factory, channel: str, language: str = "1") -> dict[str, list]:
    rows = {}
    for text in ("WABUS", language, "YES" if language == "1" else "IE"):
        rows[text] = turn(service, factory, channel, text)
    rows["answer"] = turn(service, factory, channel, "1 Bus")  # a tapped button's text
    rows["ideas"] = turn(service, factory, channel, "More buses")
    return rows


def test_whatsapp_questions_with_a_template_carry_it_on_the_last_row(service, factory):
    rows = converse(service, factory, "twilio_whatsapp")
    asks = rows["YES"]
    assert [row.template for row in asks[:-1]] == [None] * (len(asks) - 1)
    assert asks[-1].template == EN and asks[-1].buttons == ["1 Bus", "2 Walk"]
    assert "How do you travel?" in asks[-1].body
    assert all(row.template is None for row in rows["WABUS"] + rows["1"] + rows["answer"])
    assert "What would help?" in rows["answer"][-1].body  # the tapped label was understood
    revisit = rows["ideas"][-1]
    assert revisit.template == EN and revisit.buttons == ["1 Bus", "2 Walk"]


def test_the_residents_language_picks_the_template(service, factory):
    rows = converse(service, factory, "twilio_whatsapp", language="2")
    assert rows["IE"][-1].template == CY


@pytest.mark.parametrize("channel", ["twilio_sms", "telegram"])
def test_other_channels_never_get_a_template(service, factory, channel):
    rows = converse(service, factory, channel)
    assert rows["YES"][-1].buttons == ["1 Bus", "2 Walk"]
    assert all(row.template is None for turn_rows in rows.values() for row in turn_rows)
