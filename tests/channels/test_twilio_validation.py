"""Signed Twilio webhooks whose fields are not what Twilio sends: 400 with the reason, and
nothing stored, not even in the vault. From must be a phone number (E.164), on WhatsApp with
Twilio's `whatsapp:` prefix; every other field the bot uses has Twilio's shape or is refused."""

from __future__ import annotations

import json

import pytest
from channel_helpers import PUBLIC_URL, contacts, inbox_rows
from fakes.signing import (
    TEST_AUTH_TOKEN,
    sign_twilio_fields,
    sign_twilio_form,
    twilio_message_params,
)

from bot.store.db import transaction
from bot.store.models import Contact, OutboxMessage, utcnow

PHONE = "+447700900123"
SMS_PATH = "/webhooks/twilio_sms/webhook"
WHATSAPP_PATH = "/webhooks/twilio_whatsapp/webhook"


def nothing_stored(harness) -> bool:
    return not inbox_rows(harness.factory) and not contacts(harness.factory)


def post_fields(harness, path: str, fields: list[tuple[str, str]]):
    """A signed form with the fields in this order, repeated names included."""
    body, headers = sign_twilio_fields(TEST_AUTH_TOKEN, PUBLIC_URL + path, fields)
    return harness.served.post(path, body, headers)


def sms_with(harness, **changes: str | None):
    params = twilio_message_params(PHONE, "BUSES")
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return harness.twilio("twilio_sms", sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH,
                                                         params))


def whatsapp_with(harness, **changes: str):
    params = twilio_message_params(PHONE, "BUSES", whatsapp=True)
    params.update(changes)
    return harness.twilio("twilio_whatsapp", sign_twilio_form(
        TEST_AUTH_TOKEN, PUBLIC_URL + WHATSAPP_PATH, params))


def refused(reply, field: str) -> bool:
    return reply.status == 400 and field in json.loads(reply.body)["error"]


HOSTILE_PHONES = {
    "NUL": "+44770090\x000123",
    "CR LF": "+447700900123\r\n",
    "LF": "+447700900123\n",
    "right-to-left override": "\u202e+447700900123",
    "zero-width space": "+4477009\u200b00123",
    "zero-width joiner": "+447700900123\u200d",
    "byte order mark": "\ufeff+447700900123",
    "spaces": "+44 7700 900123",
    "leading space": " +447700900123",
    "no plus": "447700900123",
    "country code 0": "+0447700900123",
    "too short": "+12345",
    "too long": "+1234567890123456",
    "Arabic-Indic digits": "+\u0664\u0664\u0667\u0667\u0660\u0660\u0669\u0660\u0660\u0661",
    "fullwidth digits": "+\uff14\uff14\uff17\uff17\uff10\uff10\uff19\uff10\uff10\uff11",
    "a short code": "12345",
    "an alphanumeric sender id": "Barclays",
    "a tel: URI": "tel:+447700900123",
    "empty": "",
}


@pytest.mark.parametrize("name", list(HOSTILE_PHONES))
def test_an_sms_from_what_is_not_a_phone_number_is_400_and_stores_nothing(harness, name):
    reply = sms_with(harness, From=HOSTILE_PHONES[name])
    assert refused(reply, "From"), reply.text
    harness.settle()
    assert nothing_stored(harness) and not harness.rasa.messages


@pytest.mark.parametrize("name", list(HOSTILE_PHONES))
def test_a_whatsapp_from_what_is_not_a_phone_number_is_400(harness, name):
    reply = whatsapp_with(harness, From="whatsapp:" + HOSTILE_PHONES[name])
    assert refused(reply, "From"), reply.text
    assert nothing_stored(harness)


@pytest.mark.parametrize("address", [
    "WhatsApp:+447700900123", "whatsapp: +447700900123", "whatsapp:+447700900123\x00",
    "whatsapp:+447700900123whatsapp:", "whatsapp:", "whatsapp:\u202e+447700900123",
])
def test_the_whatsapp_prefix_is_exactly_twilios(harness, address):
    assert refused(whatsapp_with(harness, From=address), "From")
    assert nothing_stored(harness)


@pytest.mark.parametrize("phone", ["+447700900123", "+12025550143", "+6834002", "+380441234567"])
def test_real_phone_numbers_are_accepted(harness, phone):
    assert sms_with(harness, From=phone).status == 200
    assert whatsapp_with(harness, From="whatsapp:" + phone).status == 200
    harness.settle()
    assert len(contacts(harness.factory)) == 2 and len(inbox_rows(harness.factory)) == 2


@pytest.mark.parametrize("field,value", [
    ("MessageSid", "SM" + "a" * 31),
    ("MessageSid", "SM" + "g" * 32),
    ("MessageSid", "sm" + "a" * 32),
    ("MessageSid", "SM" + "a" * 32 + "\x00"),
    ("MessageSid", "SM\u200b" + "a" * 32),
    ("MessageSid", "SM" + "a" * 32 + "\n"),
    ("NumMedia", "-1"),
    ("NumMedia", "11"),
    ("NumMedia", "\u0661"),  # an Arabic-Indic one: int() would read it
    ("NumMedia", "1_0"),  # int() would read it too
    ("NumMedia", ""),
    ("MessageType", "text\x00"),
    ("MessageType", "Sticker\u202e"),
    ("MessageType", "x" * 100),
    ("Latitude", "51.5\x00"),
    ("Latitude", "ninety"),
    ("Latitude", "91"),
    ("Longitude", "NaN"),
    ("Longitude", "-181"),
    ("Longitude", "east"),  # without a Latitude, still read
])
def test_a_malformed_field_is_400_and_stores_nothing(harness, field, value):
    changes = {field: value}
    if field == "MessageSid":
        changes.update(SmsMessageSid=value, SmsSid=value)
    if field in ("Latitude", "Longitude") and value != "east":
        changes = {"Latitude": "51.5", "Longitude": "-0.12", **changes}
    assert refused(sms_with(harness, **changes), field)
    assert nothing_stored(harness)


@pytest.mark.parametrize("content_type", [
    "image/jpeg\x00", "image/jpe g", "\u202eimage/jpeg", "imagejpeg", "", "image/jpeg\r\nX: 1",
])
def test_a_malformed_media_content_type_is_400(harness, content_type):
    reply = sms_with(harness, NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1",
                     MediaContentType0=content_type)
    assert refused(reply, "MediaContentType0")
    assert nothing_stored(harness)


def test_media_content_types_with_parameters_are_read(harness):
    reply = sms_with(harness, NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1",
                     MediaContentType0="text/vcard; charset=utf-8")
    assert reply.status == 200
    harness.settle()
    assert [r.kind for r in inbox_rows(harness.factory)] == ["contact"]


@pytest.mark.parametrize("field,second", [
    ("From", "+447700900999"), ("From", "+447700900123"), ("MessageSid", "SM" + "b" * 32),
    ("Body", "STOP"), ("NumMedia", "0"),
])
def test_a_field_given_twice_is_400(harness, field, second):
    fields = list(twilio_message_params(PHONE, "BUSES").items()) + [(field, second)]
    assert refused(post_fields(harness, SMS_PATH, fields), field)
    assert nothing_stored(harness)


def sent_row(factory, sid: str = "SM" + "a" * 32) -> int:
    with transaction(factory) as session:
        row = OutboxMessage(channel="twilio_sms", pseudonym="p_x", body="hi", status="sent",
                            provider_message_id=sid, attempts=1, next_attempt_at=utcnow())
        session.add(row)
        session.add(Contact(pseudonym="p_x", channel="twilio_sms", address_encrypted=b"x"))
        session.flush()
        return row.id


def status(harness, params: dict[str, str]):
    path = "/webhooks/twilio_sms/status"
    signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + path, params)
    return harness.served.post(path, signed.body, signed.headers)


@pytest.mark.parametrize("code", [
    "\u0662\u0661\u0666\u0661\u0660",  # 21610 in Arabic-Indic digits: int() reads it as 21610
    "21610\x00", "2_1610", " 21610", "21610.0", "x" * 50,
])
def test_a_status_callback_with_a_malformed_error_code_is_400_and_changes_nothing(harness, code):
    row_id = sent_row(harness.factory)
    reply = status(harness, {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed",
                             "ErrorCode": code})
    assert refused(reply, "ErrorCode"), reply.text
    with transaction(harness.factory) as session:
        assert session.get(OutboxMessage, row_id).status == "sent"
        assert session.query(Contact).one().opted_out_at is None


def test_a_status_callback_with_a_status_given_twice_is_400(harness):
    row_id = sent_row(harness.factory)
    reply = post_fields(harness, "/webhooks/twilio_sms/status", [
        ("MessageSid", "SM" + "a" * 32), ("MessageStatus", "sent"),
        ("MessageStatus", "failed")])
    assert refused(reply, "MessageStatus")
    with transaction(harness.factory) as session:
        assert session.get(OutboxMessage, row_id).status == "sent"


def test_an_empty_error_code_means_none(harness):
    row_id = sent_row(harness.factory)
    reply = status(harness, {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered",
                             "ErrorCode": ""})
    assert reply.status == 200
    with transaction(harness.factory) as session:
        assert session.get(OutboxMessage, row_id).status == "delivered"
