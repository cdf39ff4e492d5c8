"""Fuzz the Telegram webhook over HTTP with the secret token: no 5xx, a reply within seconds;
an update the bot cannot use is acknowledged (200) with nothing stored, a body that is no
Update at all is a 400, and an update it can use is applied without a failure."""

from __future__ import annotations

import copy
import json
import string
from typing import Any

import pytest
from e2e.provider_stack import TELEGRAM_SECRET
from fakes.signing import telegram_photo_update, telegram_secret_headers, telegram_text_update
from fuzz_helpers import TELEGRAM_RESIDENT, assert_answered, fuzz, post, settle_time, unchanged
from hostile import (
    json_values,
    not_a_string,
    not_an_integer,
    not_an_object,
    not_utf8,
    spoiled,
    too_deep,
    with_repeated_key,
)
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.rasa

PATH = "/webhooks/telegram/webhook"
USABLE = 0.04  # each one a Rasa turn
Update = dict[str, Any]


def send(stack, body: bytes, secret: str | None = TELEGRAM_SECRET):
    headers = telegram_secret_headers(secret) if secret is not None else {
        "Content-Type": "application/json"}
    return post(stack.base_url, PATH, body, headers)


chat_ids = st.integers(min_value=1, max_value=2 ** 52 - 1)
update_ids = st.integers(min_value=10 ** 9, max_value=2 ** 53 - 1)


@st.composite
def real_update(draw: st.DrawFn) -> Update:
    chat = draw(st.just(TELEGRAM_RESIDENT) | chat_ids)
    if draw(st.booleans()):
        update = telegram_text_update(chat, draw(st.text(max_size=40)) or "hi")
    else:
        update = telegram_photo_update(chat, caption=draw(st.text(max_size=20)))
    update["update_id"] = draw(update_ids)
    update["message"]["from"]["username"] = draw(st.from_regex(r"\A[A-Za-z0-9_]{5,32}\Z"))
    return update


# Each field the bot relies on, and values of it that the Bot API never sends.
def out_of_range(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(max_value=low - 1) | st.integers(min_value=high)


bad_username = not_a_string | spoiled("sam_smith") | st.just("") | \
    st.text(string.ascii_letters, min_size=33, max_size=60) | \
    st.text(min_size=1, max_size=10).filter(lambda s: not (s.isascii() and s.replace(
        "_", "").isalnum()))
BAD_VALUES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("message", "text"): not_a_string,
    ("message", "caption"): not_a_string,
    ("message", "date"): not_an_integer | out_of_range(0, 2 ** 32),
    ("message", "edit_date"): not_an_integer | out_of_range(0, 2 ** 32),
    ("message", "message_id"): not_an_integer | out_of_range(0, 2 ** 53),
    ("message", "chat"): not_an_object,
    ("message", "chat", "id"): not_an_integer | out_of_range(1, 2 ** 52),
    ("message", "chat", "type"): not_a_string,
    ("message", "chat", "username"): bad_username,
    ("message", "from"): not_an_object,
    ("message", "from", "id"): not_an_integer | out_of_range(1, 2 ** 52),
    ("message", "from", "username"): bad_username,
    ("message", "photo"): not_a_string.filter(lambda v: not isinstance(v, list))
    | st.lists(not_an_object, min_size=1, max_size=2),
    ("message", "reply_to_message"): st.fixed_dictionaries(
        {"message_id": st.just(1), "date": st.integers(min_value=2 ** 40),  # past 9999
         "chat": st.just({"id": 1, "type": "private"})}),
    ("update_id",): out_of_range(0, 2 ** 53),
}
REQUIRED = [("message", "chat"), ("message", "date"), ("message", "message_id"),
            ("message", "chat", "id"), ("message", "chat", "type"), ("message", "from", "id"),
            ("message", "from", "is_bot"), ("message", "from", "first_name")]


def holder(update: Update, path: tuple[str, ...]) -> dict[str, Any]:
    target = update
    for key in path[:-1]:
        target = target[key]
    return target


@st.composite
def unusable_update(draw: st.DrawFn) -> Update:
    """A real update with one part the bot relies on wrong, or missing, or a second message,
    or a chat that is not private."""
    update = draw(real_update())
    family = draw(st.sampled_from(["wrong", "wrong", "wrong", "missing", "two", "group"]))
    if family == "wrong":
        path = draw(st.sampled_from(list(BAD_VALUES)))
        holder(update, path)[path[-1]] = draw(BAD_VALUES[path])
    elif family == "missing":
        path = draw(st.sampled_from(REQUIRED))
        del holder(update, path)[path[-1]]
    elif family == "two":
        update["edited_message"] = copy.deepcopy(update["message"])
    else:
        update["message"]["chat"] = {"id": -draw(chat_ids), "type": draw(st.sampled_from(
            ["group", "supergroup", "channel"])), "title": "Neighbours"}
    if family != "two" and draw(st.booleans()):  # the same, as an edit
        update["edited_message"] = update.pop("message")
    return update


@given(unusable_update())
@fuzz(0.16)
def test_updates_the_bot_cannot_use_are_acknowledged_and_store_nothing(fuzz_stack, update):
    before = fuzz_stack.stored.fingerprint()
    answer = send(fuzz_stack, json.dumps(update).encode())
    assert_answered(answer)
    assert (answer.status, answer.body) == (200, b"{}"), answer.error
    unchanged(fuzz_stack.stored, before, PATH)


@st.composite
def not_an_update(draw: st.DrawFn) -> bytes:
    """Bodies that are no Telegram Update: too deep, a key twice, not UTF-8, not JSON, not an
    object, no integer update_id."""
    update = draw(real_update())
    family = draw(st.sampled_from(["deep", "twice", "utf8", "junk", "value", "update_id"]))
    if family == "deep":
        where = draw(st.sampled_from([("message", "text"), ("message", "entities"),
                                      ("message", "chat", "extra"), ("nonsense",)]))
        holder(update, where)[where[-1]] = "@DEEP@"
        return json.dumps(update).replace('"@DEEP@"', draw(too_deep())).encode()
    if family == "twice":
        key = draw(st.sampled_from(list(update)))
        return with_repeated_key(update, key, draw(json_values))
    if family == "utf8":
        return draw(not_utf8(json.dumps(update, ensure_ascii=False).encode()))
    if family == "junk":
        return draw(st.binary(max_size=200).filter(lambda b: not b.strip().startswith(b"{")))
    if family == "value":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode()
    update["update_id"] = draw(not_an_integer)
    return json.dumps(update).encode()


@given(not_an_update())
@fuzz(0.08)
def test_bodies_that_are_not_updates_are_400(fuzz_stack, body):
    before = fuzz_stack.stored.fingerprint()
    answer = send(fuzz_stack, body)
    assert_answered(answer)
    assert answer.status == 400, answer.error
    unchanged(fuzz_stack.stored, before, PATH)


@given(update=real_update(), secret=st.none() | st.text(
    st.characters(min_codepoint=33, max_codepoint=126), max_size=40))
@fuzz(0.02)
def test_without_the_secret_nothing_is_read(fuzz_stack, update, secret):
    before = fuzz_stack.stored.fingerprint()
    answer = send(fuzz_stack, json.dumps(update).encode(), secret=secret)
    assert_answered(answer)
    assert answer.status == 403
    unchanged(fuzz_stack.stored, before, PATH)


@st.composite
def usable_update(draw: st.DrawFn) -> Update:
    """What Telegram could send: any text (hostile characters, lone surrogates, 100 KB), a
    photo with a caption, an unknown field the bot must ignore."""
    update = draw(real_update())
    message = update["message"]
    if "text" in message:
        message["text"] = draw(st.text(max_size=200) | st.just("\ud800 stop")
                               | st.text(string.printable, min_size=1, max_size=4).map(
                                   lambda s: (s * 30_000)[:100_000]))
    if draw(st.booleans()):
        message["future_field"] = draw(json_values)
    return update


def test_updates_the_bot_can_use_are_applied(fuzz_stack):
    stored = fuzz_stack.stored
    stored.settle()
    first = stored.scalar("SELECT coalesce(max(id), 0) FROM inbox")

    @given(usable_update())
    @fuzz(USABLE)
    def check(update: Update) -> None:
        answer = send(fuzz_stack, json.dumps(update).encode())
        assert_answered(answer)
        assert (answer.status, answer.body) == (200, b"{}"), answer.error

    check()
    stored.settle(timeout=settle_time(USABLE))
    assert stored.scalar(f"SELECT count(*) FROM inbox WHERE id > {first}") >= 1
    assert stored.scalar(f"SELECT count(*) FROM inbox WHERE id > {first} AND "
                         f"(status != 'processed' OR last_error IS NOT NULL)") == 0
