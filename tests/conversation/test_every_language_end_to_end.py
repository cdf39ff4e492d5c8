"""A campaign in every shipped language, end to end through the real ConversationService on
SMS, WhatsApp and Telegram: keyword, language menu (chosen by the language's own name),
consent with the language's own yes, every step type, STOP and DELETE in the language's own
words. Each turn's queued messages are the resident's language's, read back from the outbox."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml
from conversation_helpers import ALL_STEPS, say, service
from sqlalchemy.orm import sessionmaker

from bot.campaigns.loader import load_campaign
from bot.conversation import ConversationService
from bot.engine.phrases import phrase
from bot.language import LANGUAGES, SUPPORTED
from bot.store.db import transaction
from bot.store.models import ConsentRecord, OutboxMessage, Participant, Response
from bot.store.repository import CampaignRepository
from bot.store.vault import ContactVault

CHANNELS = {"twilio_sms": "+4477009{:05d}", "twilio_whatsapp": "+4477008{:05d}",
            "telegram": "7{:05d}"}
SECRET = "conversation-tests-secret"
# choice, its why, scale, rank, open text, revisit (info is read and passed; reflect below)
ANSWERED = {"travel_mode", "travel_mode.why", "fare_cost", "priorities", "ideas",
            "others_mode", "travel_mode_again"}
EARLIER = 12  # residents who answered before: enough for the reflect step to show results


def _fill(node: Any) -> Any:
    """Every text the fixture lacks in a language: the English one, marked with its code."""
    if isinstance(node, dict) and "en" in node and all(isinstance(v, str) for v in node.values()):
        return {code: node.get(code, f"[{code}] {node['en']}") for code in SUPPORTED}
    if isinstance(node, dict):
        return {key: _fill(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item) for item in node]
    return node


@pytest.fixture
def every_language(factory: sessionmaker):
    data = _fill(yaml.safe_load(ALL_STEPS.read_text(encoding="utf-8")))
    data["languages"] = list(SUPPORTED)
    campaign = load_campaign(yaml.safe_dump(data, allow_unicode=True))
    with transaction(factory) as session:
        CampaignRepository(session).publish(campaign)
    return campaign


def _bodies(factory: sessionmaker, name: str, since: int) -> list[str]:
    with transaction(factory) as session:
        return [row.body for row in session.query(OutboxMessage).filter_by(pseudonym=name)
                .filter(OutboxMessage.id > since).order_by(OutboxMessage.id)]


def _last_id(factory: sessionmaker) -> int:
    with transaction(factory) as session:
        return session.query(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1) \
            .scalar() or 0


def _turn(convo: ConversationService, factory: sessionmaker, name: str, channel: str,
          where: str, text: str) -> str:
    """One message from the resident; what the bot said, checked against the outbox."""
    since = _last_id(factory)
    result = say(convo, factory, name, text, channel)
    assert result.queued and result.messages, (where, text)
    queued = _bodies(factory, name, since)
    assert queued in ([], result.messages) if result.erased else \
        queued == result.messages, (where, text)  # erasure forgets their old rows
    return "\n".join(result.messages)


def test_every_language_on_every_channel(factory, every_language):
    campaign = every_language
    convo = service(factory)
    for number in range(EARLIER):  # they stay, so the reflect step has results to show
        with transaction(factory) as session:
            name = ContactVault(session, SECRET).remember("twilio_sms", f"+4477007{number:05d}")
        for text in ["TESTALL", "1", "yes", "ok", str(number % 3 + 1), "Near", "3", "123",
                     "Fine", "1", "1"]:
            say(convo, factory, name, text, "twilio_sms")
    convo = service(factory)  # a fresh tally cache: it counts their answers
    with transaction(factory) as session:
        kept = (session.query(Response).count(), session.query(ConsentRecord).count())
    assert kept[1] == EARLIER
    for number, (code, (channel, address)) in enumerate(
            (code, item) for code in SUPPORTED for item in CHANNELS.items()):
        language = LANGUAGES[code]
        with transaction(factory) as session:
            name = ContactVault(session, SECRET).remember(channel, address.format(number))
        where = f"{code} on {channel}"

        turn = functools.partial(_turn, convo, factory, name, channel, where)

        menu = turn("TESTALL")
        assert menu.startswith(phrase("choose_language", "en")), where
        consent = turn(language.endonym)
        assert campaign.consent_text[code] in consent.replace("\u2019", "'") or \
            consent.startswith(campaign.consent_text[code][:20]), where
        assert turn(language.yes[0]).startswith(campaign.steps[0].text[code][:15]), where
        route = [language.yes[0], "1", "It is near the stop", "4", "312",
                 "More buses on Sundays", "2", "2"]
        for reply in route:
            turn(reply)
        with transaction(factory) as session:
            row = session.query(Participant).filter_by(pseudonym=name).one()
            assert (row.status, row.language) == ("completed", code), where
            steps = {r.step_id for r in session.query(Response).filter_by(participant_id=row.id)}
        assert ANSWERED <= steps, (where, steps)
        stopped = turn(language.command("stop")[0])
        assert phrase("opted_out", code) in stopped, where
        erased = turn(language.command("delete")[0])
        assert phrase("erased", code) in erased, where
        with transaction(factory) as session:
            assert session.query(Participant).filter_by(pseudonym=name).count() == 0, where
    with transaction(factory) as session:  # nothing of theirs is left: only the earlier ones'
        assert (session.query(Response).count(), session.query(ConsentRecord).count()) == kept
