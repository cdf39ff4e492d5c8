"""Residents on SMS, WhatsApp and Telegram, end to end: signed webhooks into the running stack
(Rasa + action server + SQLite), replies out through the real `twilio` and
`python-telegram-bot` clients to fake provider APIs on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes.signing import (
    TEST_AUTH_TOKEN,
    signed_twilio_sms,
    signed_twilio_whatsapp,
    telegram_photo_update,
    telegram_start_update,
    telegram_text_update,
)
from provider_stack import (
    PUBLIC_URL,
    SECRET,
    THANKS,
    WHATSAPP_FROM,
    Provider,
    provider_stack,
    wait_for,
)

from bot.privacy import pseudonym
from bot.store.db import transaction
from bot.store.models import Contact, InboxMessage, OutboxMessage, Participant, Response


@pytest.fixture(scope="module")
def provider(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with provider_stack(rasa_model, tmp_path_factory.mktemp("channels")) as running:
        yield running


def converse(provider: Provider, send: Callable[[str], int], name: str,
             received: Callable[[], list], first: str) -> list:
    """Keyword, English, YES, then '1' to every step until the thank-you."""
    inbound = 0
    for message in [first, "1", "YES", *["1"] * 20]:
        assert send(message) == 200
        inbound += 1
        wait_for(lambda n=inbound: provider.settled(name, n))
        texts = received()
        last = texts[-1] if isinstance(texts[-1], str) else texts[-1]["text"]
        if THANKS in last:
            return texts
    raise AssertionError("the conversation never finished")


def test_sms_whole_conversation_delivered_once_each(provider):
    phone = "+447700900401"
    name = pseudonym(SECRET, "twilio_sms", phone)
    texts = converse(provider, lambda m: provider.sms(phone, m), name,
                     lambda: provider.sms_to(phone), "BUSES")
    assert "1 English" in texts[0] and "Cardiff" in texts[1]
    assert len(texts) == len(provider.rows(OutboxMessage, name))  # each reply sent exactly once
    with transaction(provider.factory()) as session:
        participant = session.query(Participant).filter_by(pseudonym=name).one()
        assert (participant.status, participant.consent) == ("completed", "given")
        answered = session.query(Response).filter_by(participant_id=participant.id).count()
        assert answered >= 6
    # Twilio reports delivery: the outbox row follows.
    sid = next(m.sid for m in provider.twilio.accepted if m.to == phone)
    assert provider.status_callback(sid, "delivered") == 200
    with transaction(provider.factory()) as session:
        assert session.query(OutboxMessage).filter_by(provider_message_id=sid).one().status == "delivered"


def test_sms_stop_midway_then_silence(provider):
    phone = "+447700900402"
    name = pseudonym(SECRET, "twilio_sms", phone)
    for inbound, message in enumerate(["BUSES", "1", "YES", "ok", "STOP", "walk"], start=1):
        assert provider.sms(phone, message) == 200
        wait_for(lambda n=inbound: provider.settled(name, n))
    texts = provider.sms_to(phone)
    assert "no more messages" in texts[-1].lower()  # the STOP confirmation, and nothing after
    with transaction(provider.factory()) as session:
        assert session.query(Participant).filter_by(pseudonym=name).one().status == "opted_out"
        assert session.query(Contact).filter_by(pseudonym=name).one().opted_out_at is not None


def test_sms_another_campaign_s_keyword_part_way_is_asked_about_first(provider):
    """Part-way through BUSES, PARKS asks first: 2 carries on (the question again), and
    PARKS then 1 starts parks, leaving the buses answers where they were."""
    phone = "+447700900408"
    name = pseudonym(SECRET, "twilio_sms", phone)
    asked = "PARKS is a different survey.\n1 Start PARKS\n2 Carry on with this one"
    replies = []
    for inbound, message in enumerate(["BUSES", "1", "YES", "ok", "PARKS", "2", "1", "PARKS",
                                       "1"], start=1):
        before = len(provider.sms_to(phone))
        assert provider.sms(phone, message) == 200
        wait_for(lambda n=inbound: provider.settled(name, n))
        replies.append(provider.sms_to(phone)[before:])
    question = replies[3][-1]
    assert question.startswith("How do you usually get to the GP or hospital?")
    assert replies[4] == [asked] and replies[5] == [question] and replies[7] == [asked]
    assert replies[8][0].startswith("Choose your language") and "1 English" in replies[8][0]
    with transaction(provider.factory()) as session:
        rows = {row.campaign.slug: row for row in
                session.query(Participant).filter_by(pseudonym=name)}
        assert sorted(rows) == ["buses-2026", "parks-2026"]
        buses = rows["buses-2026"]
        assert buses.state["switch_offered"] is None and buses.phase == "awaiting_why"
        assert rows["parks-2026"].phase == "choosing_language"
        assert [r.value for r in session.query(Response).filter_by(participant_id=buses.id)] \
            == ["bus"]


def test_forged_and_redelivered_webhooks(provider):
    phone = "+447700900403"
    name = pseudonym(SECRET, "twilio_sms", phone)
    path = "/webhooks/twilio_sms/webhook"
    forged = signed_twilio_sms("wrong-token", PUBLIC_URL + path, phone, "BUSES")
    assert provider.post(path, forged.body, forged.headers) == 403
    assert provider.post(path, forged.body, {"Content-Type": "application/x-www-form-urlencoded"}) == 403
    assert not provider.rows(InboxMessage, name) and not provider.rows(Contact, name)
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, "BUSES")
    assert provider.post(path, signed.body, signed.headers) == 200
    wait_for(lambda: provider.settled(name, 1))
    assert provider.post(path, signed.body, signed.headers) == 200  # Twilio's retry
    time.sleep(1.0)
    assert len(provider.rows(InboxMessage, name)) == 1
    assert len(provider.sms_to(phone)) == 1


def test_provider_429_then_ok_is_delivered_once_after_a_retry(provider):
    phone = "+447700900404"
    name = pseudonym(SECRET, "twilio_sms", phone)
    before = len(provider.twilio.requests)
    provider.twilio.fail_next(429, retry_after=0.5)
    assert provider.sms(phone, "BUSES") == 200
    wait_for(lambda: provider.settled(name, 1))
    assert len(provider.sms_to(phone)) == 1
    assert len(provider.twilio.requests) - before >= 2
    [row] = provider.rows(OutboxMessage, name)
    assert row.status == "sent" and row.attempts == 2


def test_action_server_killed_midway_and_restarted_loses_and_repeats_nothing(provider):
    phone = "+447700900405"
    name = pseudonym(SECRET, "twilio_sms", phone)
    for inbound, message in enumerate(["BUSES", "1", "YES", "ok"], start=1):
        provider.sms(phone, message)
        wait_for(lambda n=inbound: provider.settled(name, n))
    provider.stack.processes.pop("actions").stop()
    try:
        assert provider.sms(phone, "2") == 200  # walk: arrives while the action server is down
        wait_for(lambda: [r for r in provider.rows(InboxMessage, name) if r.attempts])
    finally:
        provider.stack.start_actions()
        provider.stack.wait_until_ready()
    wait_for(lambda: provider.settled(name, 5), timeout=90)
    with transaction(provider.factory()) as session:
        participant = session.query(Participant).filter_by(pseudonym=name).one()
        answers = session.query(Response).filter_by(participant_id=participant.id).all()
    assert [(a.step_id, a.value) for a in answers] == [("travel_mode", "walk")]
    assert "Why" in provider.sms_to(phone)[-1]


def test_sms_photo_and_malformed_bodies(provider):
    phone = "+447700900406"
    name = pseudonym(SECRET, "twilio_sms", phone)
    provider.sms(phone, "BUSES")
    wait_for(lambda: provider.settled(name, 1))
    assert provider.sms(phone, "", media=[("https://example.org/p.jpg", "image/jpeg")]) == 200
    wait_for(lambda: provider.settled(name, 2))
    assert "only read text" in provider.sms_to(phone)[-1]
    assert provider.sms(phone, "x" * 6000) == 200
    wait_for(lambda: provider.settled(name, 3))
    assert "too long" in provider.sms_to(phone)[-1]
    path = "/webhooks/twilio_sms/webhook"
    assert provider.post(path, b"\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}) in (400, 403)


def test_whatsapp_conversation_forged_and_duplicate(provider):
    phone = "+447700900407"
    name = pseudonym(SECRET, "twilio_whatsapp", phone)
    path = "/webhooks/twilio_whatsapp/webhook"
    forged = signed_twilio_whatsapp("wrong-token", PUBLIC_URL + path, phone, "BUSES")
    assert provider.post(path, forged.body, forged.headers) == 403
    assert not provider.rows(InboxMessage, name)
    texts = converse(provider, lambda m: provider.whatsapp(phone, m), name,
                     lambda: provider.whatsapp_to(phone), "BUSES")
    assert "1 English" in texts[0] and THANKS in texts[-1]
    assert all(m.from_ == f"whatsapp:{WHATSAPP_FROM}" for m in provider.twilio.accepted
               if m.to == f"whatsapp:{phone}")


def test_telegram_deep_link_to_completion_with_buttons(provider):
    chat = 770001
    name = pseudonym(SECRET, "telegram", str(chat))
    updates = iter(range(10_000, 10_100))
    sent = converse(provider,
                    lambda m: provider.tg(telegram_text_update(chat, m, update_id=next(updates))),
                    name, lambda: provider.telegram_to(chat), "/start BUSES")
    menu = json.loads(sent[0]["reply_markup"]) if isinstance(sent[0]["reply_markup"], str) \
        else sent[0]["reply_markup"]
    assert [row[0]["text"] for row in menu["keyboard"]][:2] == ["1 English", "2 Cymraeg"]
    last = sent[-1].get("reply_markup")
    last = json.loads(last) if isinstance(last, str) else last
    assert last == {"remove_keyboard": True}


def test_telegram_stop_photo_and_429(provider):
    chat = 770002
    name = pseudonym(SECRET, "telegram", str(chat))
    provider.telegram.fail_next(429, retry_after=1)
    assert provider.tg(telegram_start_update(chat, "PARKS")) == 200
    wait_for(lambda: provider.settled(name, 1))
    assert len(provider.telegram_to(chat)) == 1  # delivered once, after the retry
    assert provider.tg(telegram_photo_update(chat)) == 200
    wait_for(lambda: provider.settled(name, 2))
    assert "only read text" in provider.telegram_to(chat)[-1]["text"]
    assert provider.tg(telegram_text_update(chat, "/stop")) == 200
    wait_for(lambda: provider.settled(name, 3))
    assert provider.rows(Participant, name)[-1].status == "opted_out"
    forged = provider.post("/webhooks/telegram/webhook",
                           json.dumps(telegram_text_update(770003, "BUSES")).encode(),
                           {"Content-Type": "application/json",
                            "X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert forged == 403


def test_no_raw_number_or_chat_id_anywhere_outside_the_vault(provider):
    secrets = ["7700900401", "7700900402", "7700900405", "7700900407", "770001", "770002"]
    engine = sa.create_engine(provider.stack.config.database_url)
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            if table == "contacts":
                continue
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")):
                text = repr(tuple(row))
                assert not any(s in text for s in secrets), table
    engine.dispose()
    for log in provider.logs.glob("*.log"):
        content = log.read_text(errors="replace")
        assert not any(s in content for s in secrets), log.name
