"""Telegram webhook: the secret token, Update parsing with python-telegram-bot, kinds."""

from __future__ import annotations

import pytest
from channel_helpers import contacts, inbox_rows
from constants import SECRET
from fakes.signing import (
    telegram_contact_update,
    telegram_edited_update,
    telegram_location_update,
    telegram_message,
    telegram_photo_update,
    telegram_start_update,
    telegram_sticker_update,
    telegram_text_update,
    telegram_update,
    telegram_voice_update,
)

from bot.channels.telegram import TelegramInput, parse_update
from bot.privacy import pseudonym

CHAT = 987654321


def nothing_stored(harness) -> bool:
    return not inbox_rows(harness.factory) and not contacts(harness.factory)


def test_a_deep_link_start_is_passed_through_as_sent(harness):
    reply = harness.telegram(telegram_start_update(CHAT, "BUSES"))
    assert (reply.status, reply.body) == (200, b"{}")
    harness.settle()
    [row] = inbox_rows(harness.factory)
    name = pseudonym(SECRET, "telegram", str(CHAT))
    assert (row.provider, row.channel, row.pseudonym, row.kind, row.body, row.status) == (
        "telegram", "telegram", name, "text", "/start BUSES", "processed")
    [message] = harness.rasa.messages
    assert (message.text, message.sender_id, message.input_channel) == (
        "/start BUSES", name, "telegram")
    assert message.metadata == {"inbox_id": row.id, "kind": "text"}


@pytest.mark.parametrize("text", ["/help", "/stop", "/start", "hello there"])
def test_commands_and_text(harness, text):
    harness.telegram(telegram_text_update(CHAT, text))
    harness.settle()
    assert [(r.kind, r.body) for r in inbox_rows(harness.factory)] == [("text", text)]


def test_no_chat_id_in_the_inbox(harness):
    harness.telegram(telegram_text_update(CHAT, "hi"))
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert str(CHAT) not in " ".join(str(v) for v in vars(row).values())
    [contact] = contacts(harness.factory)
    assert str(CHAT).encode() not in contact.address_encrypted


def test_a_redelivered_update_is_processed_once(harness):
    update = telegram_text_update(CHAT, "yes")
    assert harness.telegram(update).status == 200
    harness.settle()
    assert harness.telegram(update).status == 200
    harness.settle()
    assert len(inbox_rows(harness.factory)) == 1 and len(harness.rasa.messages) == 1


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
def test_missing_or_wrong_secret_is_403_and_stores_nothing(harness, secret):
    reply = harness.telegram(telegram_text_update(CHAT, "BUSES"), secret=secret)
    assert reply.status == 403
    harness.settle()
    assert nothing_stored(harness) and not harness.rasa.messages


def test_a_forged_request_with_a_bad_body_is_still_403(harness):
    assert harness.telegram(None, secret="wrong", raw=b"not json").status == 403


@pytest.mark.parametrize("raw", [
    b"not json", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"{}",
    b'{"update_id": "7", "message": {}}',
    b'{"update_id": true}',
    b'{"update_id": 7, "update_id": 8}',
    b'{"update_id": NaN}',
])
def test_bodies_that_are_not_an_update_are_400(harness, raw):
    """An update with the wrong inside is acknowledged instead: test_telegram_validation.py."""
    reply = harness.telegram(None, raw=raw)
    assert reply.status == 400, reply.text
    assert nothing_stored(harness)


@pytest.mark.parametrize("update", [
    {"update_id": 1, "my_chat_member": {}},  # not a message: PTB skips what it does not know
    telegram_update({**telegram_message(-100123, text="hi"),
                     "chat": {"id": -100123, "type": "group", "title": "Neighbours"}}),
])
def test_other_updates_are_acknowledged_and_ignored(harness, update):
    reply = harness.telegram(update)
    assert (reply.status, reply.body) == (200, b"{}")
    assert nothing_stored(harness)


def document_update(chat: int) -> dict:
    document = {"file_id": "d", "file_unique_id": "ud", "file_name": "plan.pdf"}
    return telegram_update(telegram_message(chat, document=document))


def audio_update(chat: int) -> dict:
    audio = {"file_id": "a", "file_unique_id": "ua", "duration": 60}
    return telegram_update(telegram_message(chat, audio=audio))


def video_update(chat: int) -> dict:
    video = {"file_id": "v", "file_unique_id": "uv", "width": 1, "height": 1, "duration": 2}
    return telegram_update(telegram_message(chat, video=video))


@pytest.mark.parametrize("make,kind,body", [
    (lambda: telegram_photo_update(CHAT), "photo", ""),
    (lambda: telegram_photo_update(CHAT, caption="my street"), "photo", "my street"),
    (lambda: telegram_voice_update(CHAT), "voice", ""),
    (lambda: audio_update(CHAT), "audio", ""),
    (lambda: video_update(CHAT), "video", ""),
    (lambda: document_update(CHAT), "document", ""),
    (lambda: telegram_sticker_update(CHAT), "sticker", ""),
    (lambda: telegram_location_update(CHAT), "location", ""),
    (lambda: telegram_contact_update(CHAT), "contact", ""),
    (lambda: telegram_edited_update(CHAT, "actually 2"), "edited", "actually 2"),
    (lambda: telegram_update(telegram_message(CHAT, dice={"emoji": "🎲", "value": 3})),
     "other", ""),
])
def test_each_kind_is_recorded_and_processed(harness, make, kind, body):
    assert harness.telegram(make()).status == 200
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert (row.kind, row.body, row.status) == (kind, body, "processed")
    [message] = harness.rasa.messages
    assert message.metadata["kind"] == kind
    assert message.parse_data["intent"]["name"] == "inform"


def test_a_contact_card_keeps_no_phone_number(harness):
    harness.telegram(telegram_contact_update(CHAT, phone_number="+447700900999"))
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert "7700900999" not in " ".join(str(v) for v in vars(row).values())


@pytest.mark.parametrize("text,kind,body", [
    ("x" * 5001, "too_long", "x" * 5000),
    ("hi\x00there", "text", "hithere"),
    ("\ud800", "invalid", "\ufffd"),  # a lone surrogate: valid JSON, not valid text
])
def test_awkward_text(harness, text, kind, body):
    assert harness.telegram(telegram_text_update(CHAT, text)).status == 200
    harness.settle()
    assert [(r.kind, r.body) for r in inbox_rows(harness.factory)] == [(kind, body)]


def test_parse_update_reads_the_chat_not_the_sender():
    update = telegram_text_update(CHAT, "hi", update_id=555)
    inbound = parse_update(update)
    assert (inbound.provider, inbound.provider_message_id, inbound.address) == (
        "telegram", "555", str(CHAT))


def test_from_credentials_falls_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "env-secret")
    assert TelegramInput.from_credentials(None).verifier.secret_token == "env-secret"
    channel = TelegramInput.from_credentials({"webhook_secret": "yml"})
    assert channel.verifier.secret_token == "yml"
    assert channel.get_output_channel().name() == "telegram"
