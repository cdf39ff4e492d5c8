"""The replay endpoint, Twilio status callbacks, and the outbox output channel."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from channel_helpers import PUBLIC_URL, inbox_rows
from constants import SECRET
from fakes.signing import FORM, TEST_AUTH_TOKEN, sign_twilio_form

from bot.channels.common import EMPTY_TWIML
from bot.channels.inbox import replay_token
from bot.channels.outbox_output import OutboxOutputChannel
from bot.store.db import transaction
from bot.store.models import Contact, InboxMessage, OutboxMessage, utcnow

REPLAY = "/webhooks/inbox/replay"


def replay(harness, token: str | None, body: bytes = b"{}"):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return harness.served.post(REPLAY, body, headers)


def test_replay_needs_the_token(harness):
    assert replay(harness, None).status == 403
    assert replay(harness, "not-the-token").status == 403
    assert replay(harness, replay_token("another-secret")).status == 403


def test_replay_processes_pending_messages_and_answers_counts(harness):
    harness.rasa.apply = False
    harness.sms("+447700900123", "BUSES")
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert (row.status, row.attempts) == ("pending", 1)  # waiting for its retry
    harness.rasa.apply = True
    reply = replay(harness, replay_token(SECRET))
    assert reply.status == 200
    assert json.loads(reply.body) == {"residents": 1, "processed": 1, "retrying": 0,
                                      "abandoned": 0, "revived": 0, "pending": 0, "failed": 0}
    assert [r.status for r in inbox_rows(harness.factory)] == ["processed"]


def test_replay_with_failed_revives_abandoned_messages(harness):
    harness.rasa.apply = False
    harness.sms("+447700900123", "BUSES")
    harness.settle()
    with transaction(harness.factory) as session:
        session.query(InboxMessage).update({"status": "failed"})
    harness.rasa.apply = True
    counts = json.loads(replay(harness, replay_token(SECRET), b'{"failed": true}').body)
    assert (counts["revived"], counts["processed"], counts["failed"]) == (1, 1, 0)


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b"\xff{}", b'{"failed": true, "failed": false}',
    b'{"failed": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",  # not a RecursionError (500)
    b'{"failed": "false"}',  # a string is not a yes or no: it would have revived them
], ids=["not json", "a list", "not utf-8", "a key twice", "nested 5000 deep", "a string"])
def test_replay_with_a_bad_body_is_400(harness, body):
    assert replay(harness, replay_token(SECRET), body).status == 400


def sent_row(factory, sid: str = "SM" + "a" * 32) -> int:
    with transaction(factory) as session:
        row = OutboxMessage(channel="twilio_sms", pseudonym="p_x", body="hi", status="sent",
                            provider_message_id=sid, attempts=1, next_attempt_at=utcnow())
        session.add(row)
        session.add(Contact(pseudonym="p_x", channel="twilio_sms", address_encrypted=b"x"))
        session.flush()
        return row.id


def status_callback(harness, params: dict[str, str], channel: str = "twilio_sms",
                    token: str = TEST_AUTH_TOKEN):
    path = f"/webhooks/{channel}/status"
    signed = sign_twilio_form(token, PUBLIC_URL + path, params)
    return harness.served.post(path, signed.body, signed.headers)


@pytest.mark.parametrize("channel", ["twilio_sms", "twilio_whatsapp"])
def test_a_signed_status_callback_updates_the_outbox(harness, channel):
    row_id = sent_row(harness.factory)
    reply = status_callback(harness, {"MessageSid": "SM" + "a" * 32,
                                      "MessageStatus": "delivered"}, channel)
    assert (reply.status, reply.text) == (200, EMPTY_TWIML)
    with transaction(harness.factory) as session:
        assert session.get(OutboxMessage, row_id).status == "delivered"


def test_error_21610_opts_the_contact_out(harness):
    sent_row(harness.factory)
    status_callback(harness, {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed",
                              "ErrorCode": "21610"})
    with transaction(harness.factory) as session:
        assert session.query(Contact).one().opted_out_at is not None


def test_a_forged_status_callback_is_403_and_changes_nothing(harness):
    row_id = sent_row(harness.factory)
    reply = status_callback(harness, {"MessageSid": "SM" + "a" * 32,
                                      "MessageStatus": "failed"}, token="forged")
    assert reply.status == 403
    unsigned = harness.served.post("/webhooks/twilio_sms/status",
                                   b"MessageSid=SMx&MessageStatus=failed", {"Content-Type": FORM})
    assert unsigned.status == 403
    with transaction(harness.factory) as session:
        assert session.get(OutboxMessage, row_id).status == "sent"


@pytest.mark.parametrize("params", [
    {"MessageStatus": "delivered"},
    {"MessageSid": "SM" + "a" * 32},
    {"MessageSid": "SM" + "a" * 32, "MessageStatus": "Delivered!"},
])
def test_a_status_callback_without_sid_or_status_is_400(harness, params):
    assert status_callback(harness, params).status == 400


def test_an_unknown_sid_is_acknowledged(harness):
    reply = status_callback(harness, {"MessageSid": "SM" + "b" * 32,
                                      "MessageStatus": "delivered"})
    assert reply.status == 200


def test_the_output_channel_queues_and_kicks_the_sender(factory, monkeypatch):
    kicks: list[int] = []
    monkeypatch.setattr("bot.outbound.sender.kick", lambda: kicks.append(1))
    output = OutboxOutputChannel("telegram", factory)
    asyncio.run(output.send_text_message("p_t", "Thanks for taking part."))
    asyncio.run(output.send_text_with_buttons(
        "p_t", "Pick one", [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}]))
    asyncio.run(output.send_response("p_t", {"text": "Via send_response"}))
    with transaction(factory) as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        assert [(r.channel, r.pseudonym, r.body, r.buttons, r.status) for r in rows] == [
            ("telegram", "p_t", "Thanks for taking part.", None, "queued"),
            ("telegram", "p_t", "Pick one", ["Yes", "No"], "queued"),
            ("telegram", "p_t", "Via send_response", None, "queued"),
        ]
        assert all(r.next_attempt_at <= utcnow() + timedelta(seconds=1) for r in rows)
    assert kicks == [1, 1, 1]
    assert output.name() == "telegram"
