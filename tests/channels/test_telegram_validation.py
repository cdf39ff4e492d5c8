"""Well-signed Telegram updates the bot cannot use: acknowledged with 200 and nothing stored
(Telegram would send them again and again otherwise), bodies that are not an Update at all
refused with 400, and never a 500."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from channel_helpers import contacts, inbox_rows
from fakes.signing import telegram_photo_update, telegram_text_update

from bot.channels.telegram import parse_update

CHAT = 987654321
Update = dict[str, Any]


def nothing_stored(harness) -> bool:
    return not inbox_rows(harness.factory) and not contacts(harness.factory)


def changed(change: Callable[[Update], None], make: Callable[[], Update] | None = None) -> Update:
    update = (make or (lambda: telegram_text_update(CHAT, "BUSES")))()
    change(update)
    return update


def message_field(name: str, value: Any) -> Callable[[Update], None]:
    return lambda update: update["message"].__setitem__(name, value)


def chat_id(value: Any) -> Callable[[Update], None]:
    def change(update: Update) -> None:
        update["message"]["chat"]["id"] = value
        update["message"]["from"]["id"] = value
    return change


def username(value: Any, where: str = "from") -> Callable[[Update], None]:
    def change(update: Update) -> None:
        if where == "chat":
            del update["message"]["from"]
        update["message"][where]["username"] = value
    return change


UNUSABLE = {
    # the cases
    "text is a number": changed(message_field("text", 5)),
    "text is a list": changed(message_field("text", ["BUSES"])),
    "text is null": changed(message_field("text", None)),
    "username is a number": changed(username(12345)),
    "chat username is a number": changed(username(12345, "chat")),
    "date is 2**70": changed(message_field("date", 2 ** 70)),
    **{f"chat id {value!r}": changed(chat_id(value))
       for value in (None, 1.5, [], "abc", True, "", "987654321", {})},
    # the rest of the shape the bot uses
    "chat id over 52 bits": changed(chat_id(2 ** 52)),
    "chat id zero": changed(chat_id(0)),
    "a private chat with a negative id": changed(chat_id(-5)),
    "caption is a number": changed(message_field("caption", 7), lambda: telegram_photo_update(CHAT)),
    "date is a string": changed(message_field("date", "yesterday")),
    "date is negative": changed(message_field("date", -1)),
    "date is a float": changed(message_field("date", 1.5e9)),
    "message_id is a string": changed(message_field("message_id", "7")),
    "chat is a list": changed(message_field("chat", [CHAT])),
    "chat type is a number": changed(lambda u: u["message"]["chat"].__setitem__("type", 1)),
    "from is a string": changed(message_field("from", "resident")),
    "username with a right-to-left override": changed(username("sam\u202eevil")),
    "username with a zero-width space": changed(username("sam\u200bsmith")),
    "username with a NUL": changed(username("sam\x00")),
    "username of 200 characters": changed(username("a" * 200)),
    "message is a string": {"update_id": 7, "message": "a string"},
    "message without chat or date": {"update_id": 7, "message": {"text": "no chat, no date"}},
    "both message and edited_message": changed(
        lambda u: u.__setitem__("edited_message", copy.deepcopy(u["message"]))),
    "update_id of 2**70": changed(lambda u: u.__setitem__("update_id", 2 ** 70)),
    "update_id negative": changed(lambda u: u.__setitem__("update_id", -1)),
    "a photo that is a string": changed(message_field("photo", "big"),
                                        lambda: telegram_photo_update(CHAT)),
    # found by the fuzz suite: python-telegram-bot reads these as "no photo", and the text
    # beside them was stored
    "a photo that is null": changed(message_field("photo", None)),
    "a photo that is false": changed(message_field("photo", False)),
    "a photo that is an empty object": changed(message_field("photo", {})),
    "a photo list of numbers": changed(message_field("photo", [1, 2])),
    "a voice note that is a list": changed(message_field("voice", [])),
    "a location that is a number": changed(message_field("location", 0)),
    "reply_to_message with a date of 2**70": changed(message_field(
        "reply_to_message", {"message_id": 1, "date": 2 ** 70,
                             "chat": {"id": CHAT, "type": "private"}})),
}


@pytest.mark.parametrize("name", list(UNUSABLE))
def test_an_update_the_bot_cannot_use_is_acknowledged_and_stores_nothing(harness, name):
    reply = harness.telegram(UNUSABLE[name])
    assert (reply.status, reply.body) == (200, b"{}"), reply.text
    harness.settle()
    assert nothing_stored(harness) and not harness.rasa.messages


def nested(depth: int) -> bytes:
    return b'{"update_id": 1, "message": {"text": ' + b"[" * depth + b"]" * depth + b"}}"


@pytest.mark.parametrize("raw", [
    nested(1_000), nested(100_000),
    b"[" * 50_000,  # not even closed
    b'{"update_id": 1, "x": "' + b"[" * 5_000,  # an unterminated string hides nothing
    b'{"update_id": 1, "message": ' + b'{"a": ' * 2_000 + b"1" + b"}" * 2_001,
], ids=["1000 lists", "100000 lists", "unclosed", "unterminated string", "2000 objects"])
def test_deeply_nested_json_is_refused_without_parsing(harness, raw):
    reply = harness.telegram(None, raw=raw)
    assert reply.status == 400, reply.text
    assert "nested" in json.loads(reply.body)["error"] or "JSON" in json.loads(reply.body)["error"]
    assert nothing_stored(harness)


def test_brackets_inside_strings_are_not_nesting(harness):
    update = telegram_text_update(CHAT, "[" * 5_000 + "{" * 5_000 + '"\\')
    assert harness.telegram(update).status == 200
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert row.body.startswith("[[[[")


def test_a_real_update_with_ordinary_nesting_is_stored(harness):
    update = telegram_text_update(CHAT, "yes")
    update["message"]["reply_to_message"] = {
        "message_id": 3, "date": 1_700_000_000, "chat": {"id": CHAT, "type": "private"},
        "text": "Reply 1 or 2", "entities": [{"type": "bold", "offset": 0, "length": 5}],
        "reply_markup": {"inline_keyboard": [[{"text": "1", "callback_data": "1"}]]}}
    assert harness.telegram(update).status == 200
    harness.settle()
    assert [(r.kind, r.body) for r in inbox_rows(harness.factory)] == [("text", "yes")]


@pytest.mark.parametrize("chat", [1, 2 ** 52 - 1, 7_123_456_789])
def test_chat_ids_telegram_really_sends_are_stored(harness, chat):
    assert harness.telegram(telegram_text_update(chat, "hi")).status == 200
    harness.settle()
    assert len(inbox_rows(harness.factory)) == 1 and len(contacts(harness.factory)) == 1


def test_parse_update_says_none_for_what_it_cannot_use():
    assert parse_update(UNUSABLE["chat id 'abc'"]) is None
    assert parse_update(UNUSABLE["text is a number"]) is None
    inbound = parse_update(telegram_text_update(CHAT, "hi", update_id=9))
    assert (inbound.address, inbound.provider_message_id, inbound.body) == (str(CHAT), "9", "hi")
