"""Twilio SMS and WhatsApp webhooks: signatures, parsing, the inbox, acknowledgement."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from channel_helpers import PUBLIC_URL, contacts, inbox_rows
from constants import SECRET
from fakes.signing import (
    FORM,
    TEST_AUTH_TOKEN,
    TWILIO_SIGNATURE_HEADER,
    sign_twilio_form,
    signed_twilio_sms,
    twilio_message_params,
    twilio_signature,
)

from bot.channels.common import EMPTY_TWIML
from bot.privacy import pseudonym

PHONE = "+447700900123"
SMS_PATH = "/webhooks/twilio_sms/webhook"


def nothing_stored(harness) -> bool:
    return not inbox_rows(harness.factory) and not contacts(harness.factory)


def test_a_signed_sms_is_recorded_acknowledged_and_processed(harness):
    reply = harness.sms(PHONE, "BUSES")
    assert reply.status == 200
    assert reply.text == EMPTY_TWIML and reply.content_type.startswith("text/xml")
    harness.settle()
    [row] = inbox_rows(harness.factory)
    name = pseudonym(SECRET, "twilio_sms", PHONE)
    assert (row.provider, row.channel, row.pseudonym, row.kind, row.body, row.status) == (
        "twilio", "twilio_sms", name, "text", "BUSES", "processed")
    [message] = harness.rasa.messages
    assert (message.text, message.sender_id, message.input_channel) == ("BUSES", name,
                                                                        "twilio_sms")
    assert message.metadata == {"inbox_id": row.id, "kind": "text"}
    assert message.output_channel.name() == "twilio_sms"
    assert message.parse_data is None  # text goes through Rasa's NLU
    assert harness.kicks == ["sender"]


def test_the_address_is_only_in_the_vault(harness):
    harness.sms(PHONE, "hello")
    harness.whatsapp(PHONE, "hello")
    harness.settle()
    rows = inbox_rows(harness.factory)
    assert len(rows) == 2
    for row in rows:
        values = " ".join(str(v) for v in vars(row).values())
        assert "7700900123" not in values
    vault = contacts(harness.factory)
    assert len(vault) == 2 and all(b"7700900123" not in c.address_encrypted for c in vault)
    # the same phone on SMS and on WhatsApp: two residents
    assert len({row.pseudonym for row in rows}) == 2


def test_a_redelivery_is_acknowledged_and_not_processed_again(harness):
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, PHONE, "yes")
    first = harness.twilio("twilio_sms", signed)
    harness.settle()
    again = harness.twilio("twilio_sms", signed)
    harness.settle()
    assert first.status == again.status == 200 and again.text == EMPTY_TWIML
    assert len(inbox_rows(harness.factory)) == 1
    assert len(harness.rasa.messages) == 1


def test_a_redelivery_while_the_first_is_still_pending_is_not_processed_twice(harness):
    harness.rasa.apply = False
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, PHONE, "yes")
    harness.twilio("twilio_sms", signed)
    harness.settle()
    harness.twilio("twilio_sms", signed)
    harness.settle()
    [row] = inbox_rows(harness.factory)
    assert len(harness.rasa.messages) == 1 and row.attempts == 1  # the retry loop's, later


@pytest.mark.parametrize("headers", [
    {"Content-Type": FORM},  # unsigned
    {"Content-Type": FORM, TWILIO_SIGNATURE_HEADER: "bm90IGEgc2lnbmF0dXJl"},  # forged
])
def test_unsigned_or_forged_is_403_and_stores_nothing(harness, headers):
    body = urlencode(twilio_message_params(PHONE, "BUSES")).encode()
    reply = harness.served.post(SMS_PATH, body, headers)
    assert reply.status == 403
    harness.settle()
    assert nothing_stored(harness) and not harness.rasa.messages


def test_a_signature_with_another_token_is_403(harness):
    reply = harness.twilio("twilio_sms", signed_twilio_sms(
        "someone-elses-token", PUBLIC_URL + SMS_PATH, PHONE, "BUSES"))
    assert reply.status == 403 and nothing_stored(harness)


@pytest.mark.parametrize("signed_url", [
    "http://127.0.0.1:5005" + SMS_PATH,  # what the bot sees behind the proxy
    "https://evil.example.org" + SMS_PATH,
    PUBLIC_URL + "/webhooks/twilio_whatsapp/webhook",
    PUBLIC_URL + SMS_PATH + "?extra=1",
])
def test_a_signature_for_another_url_is_403(harness, signed_url):
    reply = harness.twilio("twilio_sms", signed_twilio_sms(TEST_AUTH_TOKEN, signed_url, PHONE,
                                                           "BUSES"))
    assert reply.status == 403 and nothing_stored(harness)


def test_tampered_fields_are_403(harness):
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, PHONE, "BUSES")
    body = signed.body.replace(b"BUSES", b"STOP")
    reply = harness.served.post(SMS_PATH, body, signed.headers)
    assert reply.status == 403 and nothing_stored(harness)


def test_the_query_string_is_part_of_the_signed_url(harness):
    path = SMS_PATH + "?campaign=buses"
    params = twilio_message_params(PHONE, "BUSES")
    signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + path, params)
    assert harness.served.post(path, signed.body, signed.headers).status == 200


def test_the_public_url_may_carry_a_path_prefix(env):
    from channel_helpers import FakeRasa, Served

    from bot.channels.inbox import InboxProcessor
    from bot.channels.twilio_sms import TwilioSmsInput
    from bot.store.db import session_factory

    factory = session_factory(env)
    processor = InboxProcessor(factory, poll=3600, after_turns=lambda: None)
    prefix = "https://council.example.gov/engage/"
    served = Served([TwilioSmsInput(TEST_AUTH_TOKEN, prefix, processor=processor)],
                    FakeRasa(factory))
    try:
        good = signed_twilio_sms(TEST_AUTH_TOKEN, prefix.rstrip("/") + SMS_PATH, PHONE, "hi")
        bad = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, PHONE, "hi")
        assert served.post(SMS_PATH, bad.body, bad.headers).status == 403
        assert served.post(SMS_PATH, good.body, good.headers).status == 200
        served.run(processor.idle())
    finally:
        served.close()


@pytest.mark.parametrize("token,public", [(None, PUBLIC_URL), (TEST_AUTH_TOKEN, None)])
def test_without_token_or_public_url_everything_is_refused(env, caplog, token, public):
    from channel_helpers import FakeRasa, Served

    from bot.channels.inbox import InboxProcessor
    from bot.channels.twilio_sms import TwilioSmsInput
    from bot.store.db import session_factory

    factory = session_factory(env)
    processor = InboxProcessor(factory, poll=3600, after_turns=lambda: None)
    with caplog.at_level(logging.ERROR):
        channel = TwilioSmsInput(token, public, processor=processor)
    assert "refused with 403" in caplog.text
    served = Served([channel], FakeRasa(factory))
    try:
        signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, PHONE, "hi")
        assert served.post(SMS_PATH, signed.body, signed.headers).status == 403
    finally:
        served.close()
    assert not inbox_rows(factory)


def test_from_credentials_falls_back_to_the_environment(monkeypatch):
    from bot.channels.twilio_sms import TwilioSmsInput
    from bot.channels.twilio_whatsapp import TwilioWhatsAppInput

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("ENGAGE_PUBLIC_URL", "https://env.example.org")
    channel = TwilioSmsInput.from_credentials(None)
    assert (channel.verifier.auth_token, channel.verifier.base_url) == (
        "from-env", "https://env.example.org")
    channel = TwilioWhatsAppInput.from_credentials({"auth_token": "from-yml"})
    assert channel.verifier.auth_token == "from-yml" and channel.name() == "twilio_whatsapp"
    assert channel.get_output_channel().name() == "twilio_whatsapp"


def test_skipping_signatures_needs_the_flag_and_warns_every_time(harness, monkeypatch, caplog):
    monkeypatch.setenv("ENGAGE_INSECURE_SKIP_SIGNATURES", "1")
    body = urlencode(twilio_message_params(PHONE, "BUSES")).encode()
    with caplog.at_level(logging.WARNING):
        reply = harness.served.post(SMS_PATH, body, {"Content-Type": FORM})
    harness.settle()
    assert reply.status == 200 and len(inbox_rows(harness.factory)) == 1
    assert "NOT checked" in caplog.text
    monkeypatch.setenv("ENGAGE_INSECURE_SKIP_SIGNATURES", "true")  # only exactly "1"
    body = urlencode(twilio_message_params(PHONE, "again")).encode()
    assert harness.served.post(SMS_PATH, body, {"Content-Type": FORM}).status == 403


def test_skipping_signatures_is_announced_at_start_up(monkeypatch, caplog):
    from bot.channels.telegram import TelegramInput
    from bot.channels.twilio_sms import TwilioSmsInput

    monkeypatch.setenv("ENGAGE_INSECURE_SKIP_SIGNATURES", "1")
    with caplog.at_level(logging.WARNING):
        TwilioSmsInput(TEST_AUTH_TOKEN, PUBLIC_URL)
        TelegramInput("secret")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert {r.getMessage().split(":")[0] for r in warnings} == {"twilio_sms", "telegram"}


def signed_raw(body: bytes, params: dict[str, str], content_type: str = FORM,
               path: str = SMS_PATH) -> tuple[bytes, dict[str, str]]:
    """A raw body with the signature of `params` (what the bot should decode it to)."""
    return body, {"Content-Type": content_type,
                  TWILIO_SIGNATURE_HEADER: twilio_signature(TEST_AUTH_TOKEN, PUBLIC_URL + path,
                                                            params)}


@pytest.mark.parametrize("body,content_type", [
    (b'{"From": "+447700900123", "Body": "hi"}', "application/json"),
    (b'{"From": "+447700900123", "Body": "hi"}', FORM),
    (b"\xff\xfe\x00garbage", FORM),
    (b"", FORM),
])
def test_a_body_that_is_not_a_form_is_400(harness, body, content_type):
    reply = harness.served.post(SMS_PATH, body, signed_raw(body, {}, content_type)[1])
    assert reply.status == 400 and nothing_stored(harness)


@pytest.mark.parametrize("drop,change", [
    ("MessageSid", {}),
    ("From", {}),
    (None, {"MessageSid": "not a sid!"}),
    (None, {"NumMedia": "lots"}),
    (None, {"From": "whatsapp:+447700900123"}),  # a WhatsApp message on the SMS webhook
])
def test_missing_or_malformed_fields_are_400(harness, drop, change):
    params = twilio_message_params(PHONE, "hi")
    params.update(change)
    if drop:
        for key in (drop, "SmsMessageSid", "SmsSid") if drop == "MessageSid" else (drop,):
            params.pop(key)
    signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, params)
    reply = harness.twilio("twilio_sms", signed)
    assert reply.status == 400 and nothing_stored(harness)


def kinds_after(harness, send) -> list[tuple[str, str]]:
    send()
    harness.settle()
    return [(row.kind, row.body) for row in inbox_rows(harness.factory)]


@pytest.mark.parametrize("media,kind", [
    ("image/jpeg", "photo"), ("audio/ogg", "voice"), ("audio/mpeg", "audio"),
    ("video/mp4", "video"), ("application/pdf", "document"), ("text/vcard", "contact"),
])
def test_media_is_recorded_with_its_kind(harness, media, kind):
    assert kinds_after(harness, lambda: harness.sms(
        PHONE, "", media=[("https://api.twilio.com/media/ME1", media)])) == [(kind, "")]
    [message] = harness.rasa.messages
    assert message.metadata["kind"] == kind
    assert message.parse_data["intent"]["name"] == "inform"  # straight to the engine


def test_a_caption_stays_with_the_photo(harness):
    assert kinds_after(harness, lambda: harness.whatsapp(
        PHONE, "STOP", media=[("https://api.twilio.com/media/ME1", "image/png")])) == [
        ("photo", "STOP")]


@pytest.mark.parametrize("fields,kind", [
    ({"latitude": 51.5, "longitude": -0.12}, "location"),
    ({"media": [("https://api.twilio.com/media/ME1", "image/webp")]}, "photo"),
])
def test_whatsapp_kinds(harness, fields, kind):
    assert kinds_after(harness, lambda: harness.whatsapp(PHONE, "", **fields)) == [(kind, "")]


def test_whatsapp_says_sticker_and_contacts(harness):
    for message_type in ("sticker", "contacts"):
        params = twilio_message_params(PHONE, "", whatsapp=True,
                                       media=[("https://x/ME", "image/webp")])
        params["MessageType"] = message_type
        harness.twilio("twilio_whatsapp", sign_twilio_form(
            TEST_AUTH_TOKEN, PUBLIC_URL + "/webhooks/twilio_whatsapp/webhook", params))
    harness.settle()
    assert [row.kind for row in inbox_rows(harness.factory)] == ["sticker", "contact"]


@pytest.mark.parametrize("body,kind,stored", [
    ("", "empty", ""),
    ("   \n ", "empty", ""),
    ("x" * 5001, "too_long", "x" * 5000),
    ("yes\x00\x07 please\x1b", "text", "yes please"),
    ("\x00\x01\x02", "invalid", ""),
    ("line one\nline two\ttab", "text", "line one\nline two\ttab"),
    ("Tak, proszę 👍", "text", "Tak, proszę 👍"),
])
def test_awkward_bodies_get_a_kind(harness, body, kind, stored):
    assert kinds_after(harness, lambda: harness.sms(PHONE, body)) == [(kind, stored)]


def test_a_body_that_is_not_utf8_is_recorded_as_invalid(harness):
    params = twilio_message_params(PHONE, "\ufffd\ufffd")  # what the bot decodes it to
    body = urlencode(params).encode().replace(b"Body=%EF%BF%BD%EF%BF%BD", b"Body=%FF%FE")
    assert b"Body=%FF%FE" in body
    reply = harness.served.post(SMS_PATH, *signed_raw(body, params))
    harness.settle()
    assert reply.status == 200
    assert [(r.kind, r.body) for r in inbox_rows(harness.factory)] == [("invalid", "\ufffd\ufffd")]


def test_whatsapp_webhook_refuses_sms_senders(harness):
    params = twilio_message_params(PHONE, "hi")  # From without whatsapp:
    signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + "/webhooks/twilio_whatsapp/webhook",
                              params)
    assert harness.twilio("twilio_whatsapp", signed).status == 400
    assert nothing_stored(harness)
