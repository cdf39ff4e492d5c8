"""Fuzz the local REST channel and the inbox replay endpoint over HTTP: no 5xx, a reply
within seconds, and for a body either cannot use a 400 (or 403 without the replay token) with
nothing stored or changed; REST messages it can use get the bot's answer."""

from __future__ import annotations

import json
import unicodedata

import pytest
from constants import SECRET
from fuzz_helpers import assert_answered, fuzz, post, unchanged
from hostile import (
    HOSTILE_CHARACTERS,
    any_text,
    json_values,
    not_a_string,
    not_utf8,
    too_deep,
    with_repeated_key,
)
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.inbox import replay_token

pytestmark = pytest.mark.rasa

REST, REPLAY = "/webhooks/rest/webhook", "/webhooks/inbox/replay"
JSON_HEADERS = {"Content-Type": "application/json"}
senders = st.from_regex(r"\Afuzz-[a-z0-9]{4,12}\Z")
# What a sender (a vault address) may never hold: controls, direction and invisible characters.
UNPRINTABLE = [c for c in HOSTILE_CHARACTERS
               if c in "\u2028\u2029" or unicodedata.category(c[0]).startswith("C")]


@st.composite
def unusable_rest_body(draw: st.DrawFn) -> bytes:
    """What the REST channel refuses: not JSON or not UTF-8 or too deep, not an object, a
    sender that is not a non-empty string of at most 256 printable characters, a message
    that is not a string."""
    body = {"sender": draw(senders), "message": draw(any_text)}
    family = draw(st.sampled_from(["junk", "value", "sender", "message", "missing", "deep",
                                   "not_utf8", "unprintable"]))
    if family == "not_utf8":
        return draw(not_utf8(json.dumps(body).encode()))
    if family == "unprintable":
        at = draw(st.integers(min_value=0, max_value=len(body["sender"])))
        body["sender"] = (body["sender"][:at] + draw(st.sampled_from(UNPRINTABLE))
                          + body["sender"][at:])
        return json.dumps(body).encode()
    if family == "junk":
        return draw(st.binary(max_size=200).filter(lambda b: not b.strip().startswith(b"{")))
    if family == "value":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode()
    if family == "sender":
        body["sender"] = draw(not_a_string | st.sampled_from(["", "   ", "\n\t"])
                              | st.text(min_size=257, max_size=300))
    elif family == "message":
        body["message"] = draw(not_a_string)
    elif family == "missing":
        del body[draw(st.sampled_from(["sender", "message"]))]
    elif family == "deep":
        return json.dumps(body).replace(json.dumps(body["message"]), draw(too_deep()),
                                        1).encode()
    return json.dumps(body).encode()


@given(unusable_rest_body())
@fuzz(0.08)
def test_rest_bodies_the_bot_cannot_use_are_400(fuzz_stack, body):
    before = fuzz_stack.stored.fingerprint()
    answer = post(fuzz_stack.base_url, REST, body, JSON_HEADERS)
    assert_answered(answer)
    assert answer.status == 400, answer.error
    unchanged(fuzz_stack.stored, before, REST)


def test_rest_messages_the_bot_can_use_are_answered(fuzz_stack):
    stored = fuzz_stack.stored
    stored.settle()

    @given(sender=senders, message=any_text | st.text(min_size=1, max_size=3).map(
        lambda s: s * 3000))
    @fuzz(0.02)
    def check(sender: str, message: str) -> None:
        answer = post(fuzz_stack.base_url, REST,
                      json.dumps({"sender": sender, "message": message}).encode(), JSON_HEADERS)
        assert_answered(answer)
        assert answer.status == 200, answer.error
        assert isinstance(json.loads(answer.body), list)

    check()
    stored.settle()


@st.composite
def replay_body(draw: st.DrawFn) -> tuple[bytes, bool]:
    """(body, sane): any body the endpoint might be sent; sane ones get the counts (and,
    with nothing pending, change nothing), the rest a 400."""
    family = draw(st.sampled_from(["sane", "junk", "value", "failed", "deep", "twice", "utf8"]))
    if family == "sane":
        return draw(st.sampled_from([b"", b"{}", b'{"failed": false}', b'{"failed": true}',
                                     b'{"other": 1}'])), True
    if family == "junk":
        return draw(st.binary(min_size=1, max_size=100).filter(
            lambda b: not b.strip().startswith(b"{"))), False
    if family == "value":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode(), \
            False
    if family == "failed":
        return json.dumps({"failed": draw(json_values.filter(
            lambda v: not isinstance(v, bool)))}).encode(), False
    if family == "deep":
        return ('{"failed": ' + draw(too_deep()) + "}").encode(), False
    if family == "twice":
        return with_repeated_key({"failed": False}, "failed", draw(json_values)), False
    return draw(not_utf8(b'{"failed": "no"}')), False


@given(replay_body())
@fuzz(0.05)
def test_replay_with_any_body_changes_nothing_when_nothing_is_pending(fuzz_stack, case):
    body, sane = case
    before = fuzz_stack.stored.fingerprint()
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {replay_token(SECRET)}"}
    answer = post(fuzz_stack.base_url, REPLAY, body, headers)
    assert_answered(answer)
    assert answer.status == (200 if sane else 400), answer.error
    if sane:
        assert json.loads(answer.body)["pending"] == 0
    unchanged(fuzz_stack.stored, before, REPLAY)


@given(authorization=st.none() | st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                         max_size=80),
       body=st.sampled_from([b"{}", b'{"failed": true}', b"junk"]))
@fuzz(0.01)
def test_replay_without_the_token_is_403(fuzz_stack, authorization, body):
    headers = dict(JSON_HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    before = fuzz_stack.stored.fingerprint()
    answer = post(fuzz_stack.base_url, REPLAY, body, headers)
    assert_answered(answer)
    assert answer.status == 403
    unchanged(fuzz_stack.stored, before, REPLAY)
