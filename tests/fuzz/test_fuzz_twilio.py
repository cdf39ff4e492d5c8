"""Fuzz the Twilio webhooks (SMS and WhatsApp messages, delivery reports) over HTTP, signed as
Twilio signs: no 5xx, a reply within seconds, and for what the bot cannot use a 400 (or 403
when unsigned) with nothing stored or changed; what it can use is applied without a failure."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote_from_bytes, urlencode

import pytest
from fakes.signing import (
    FORM,
    TEST_AUTH_TOKEN,
    TWILIO_SIGNATURE_HEADER,
    sign_twilio_fields,
    twilio_message_params,
)
from fuzz_helpers import (
    SMS_RESIDENT,
    WHATSAPP_RESIDENT,
    assert_answered,
    fuzz,
    post,
    settle_time,
    unchanged,
)
from hostile import NOT_UTF8, any_text, foreign_digits, spoiled
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.rasa

SMS, WHATSAPP = "/webhooks/twilio_sms/webhook", "/webhooks/twilio_whatsapp/webhook"
STATUSES = ("/webhooks/twilio_sms/status", "/webhooks/twilio_whatsapp/status")
# What Twilio sends, per its documentation (the spec the bot is held to, written out here).
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
Fields = list[tuple[str, str]]


def send(stack, path: str, fields: Fields):
    body, headers = sign_twilio_fields(TEST_AUTH_TOKEN, stack.public_url + path, fields)
    return post(stack.base_url, path, body, headers)


def send_raw(stack, path: str, body: bytes, content_type: str = FORM):
    """A raw body, signed over what it decodes to (as Twilio would have signed the values)."""
    decoded = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    fields = [(name, value) for name, values in decoded.items() for value in values]
    _, headers = sign_twilio_fields(TEST_AUTH_TOKEN, stack.public_url + path, fields)
    return post(stack.base_url, path, body, {**headers, "Content-Type": content_type})


phones = st.from_regex(r"\A\+4477009[0-9]{5}\Z")


def prefixed(phone: str, whatsapp: bool) -> str:
    return f"whatsapp:{phone}" if whatsapp else phone


@st.composite
def bad_from(draw: st.DrawFn, whatsapp: bool) -> str:
    phone = draw(st.sampled_from([SMS_RESIDENT, WHATSAPP_RESIDENT]) | phones)
    valid = prefixed(phone, whatsapp)
    wrong_prefix = phone if whatsapp else f"whatsapp:{phone}"
    junk = st.text(max_size=30).filter(
        lambda s: E164.fullmatch(s.removeprefix("whatsapp:")) is None)
    return draw(st.one_of(
        spoiled(valid), foreign_digits(valid).map(lambda s: s),
        st.sampled_from([wrong_prefix, "12345", "Barclays", "", "tel:" + phone,
                         "+0" + phone[1:], phone[:6], phone + "1234567",
                         "WhatsApp:" + phone, "whatsapp:" + valid]),
        junk.map(lambda s: prefixed(s, whatsapp))))


bad_sid = st.one_of(st.builds(lambda s: s, spoiled("SM" + "a" * 32)),
                    st.text(max_size=40).filter(lambda s: SID.fullmatch(s) is None))
bad_count = st.text(max_size=4).filter(lambda s: s not in {str(n) for n in range(11)}) | \
    spoiled("1")
# RFC 6838 allows ! # $ & - ^ _ . + in a type's name: "i&mag&e/jpeg" is well formed.
bad_content_type = spoiled("image/jpeg", allowed="&+") | st.sampled_from(["", "imagejpeg", "image/", "/jpeg"])
bad_word = spoiled("text") | st.sampled_from(["Text", "TEXT", "x" * 33, ""])


def bad_degrees(limit: int) -> st.SearchStrategy[str]:
    return spoiled("51.5") | st.sampled_from(
        [str(limit + 1), f"-{limit}.5", "NaN", "inf", "1e3", "--1", "", "1,5"])


@st.composite
def unusable_message(draw: st.DrawFn, whatsapp: bool) -> Fields:
    """A message webhook with exactly one thing wrong that Twilio would never send."""
    phone = draw(st.sampled_from([SMS_RESIDENT, WHATSAPP_RESIDENT]) | phones)
    body = draw(any_text | st.text(min_size=1, max_size=3).map(lambda s: (s * 40_000)[:100_000]))
    params = twilio_message_params(phone, body, whatsapp=whatsapp)
    fields = list(params.items())
    family = draw(st.sampled_from(["From", "MessageSid", "NumMedia", "MediaContentType0",
                                   "MessageType", "Latitude", "Longitude", "twice",
                                   "missing"]))

    def put(name: str, value: str) -> None:
        nonlocal fields
        fields = [(n, v) for n, v in fields if n != name] + [(name, value)]

    if family == "From":
        put("From", draw(bad_from(whatsapp)))
    elif family == "MessageSid":
        sid = draw(bad_sid)
        for name in ("MessageSid", "SmsMessageSid", "SmsSid"):
            put(name, sid)
    elif family == "NumMedia":
        put("NumMedia", draw(bad_count))
    elif family == "MediaContentType0":
        put("NumMedia", "1")
        put("MediaUrl0", "https://api.twilio.com/media/ME1")
        put("MediaContentType0", draw(bad_content_type))
    elif family == "MessageType":
        put("MessageType", draw(bad_word))
    elif family in ("Latitude", "Longitude"):
        put("Latitude", "51.5")
        put("Longitude", "-0.12")
        put(family, draw(bad_degrees(90 if family == "Latitude" else 180)))
    elif family == "twice":
        name = draw(st.sampled_from(["From", "MessageSid", "Body", "NumMedia"]))
        fields.append((name, draw(st.text(max_size=20))))
    else:
        gone = draw(st.sampled_from([("From",), ("MessageSid", "SmsMessageSid", "SmsSid")]))
        fields = [(n, v) for n, v in fields if n not in gone]
    return fields


@pytest.mark.parametrize("path,whatsapp", [(SMS, False), (WHATSAPP, True)],
                         ids=["sms", "whatsapp"])
def test_messages_the_bot_cannot_use_are_400_and_store_nothing(fuzz_stack, path, whatsapp):
    @fuzz(0.14 if whatsapp is False else 0.10)
    @given(unusable_message(whatsapp))
    def check(fields: Fields) -> None:
        before = fuzz_stack.stored.fingerprint()
        answer = send(fuzz_stack, path, fields)
        assert_answered(answer)
        assert answer.status == 400, answer.error
        unchanged(fuzz_stack.stored, before, path)

    check()


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda phone, junk: urlencode({"From": phone, "Body": "hi"}).encode() + junk,
              phones, st.binary(max_size=20)),
    st.sampled_from([b'{"From": "+447700900123", "Body": "hi"}', b"", b"&&&", b"=",
                     b"From", b"MessageSid=" + b"%" * 50]),
    st.builds(lambda bad, escaped: urlencode(twilio_message_params(SMS_RESIDENT, "hi")).replace(
        "From=", "From=" + (quote_from_bytes(bad) if escaped else bad.decode("latin-1")))
        .encode("latin-1"), st.sampled_from(NOT_UTF8), st.booleans()),
)


@given(body=raw_bodies, content_type=st.sampled_from([FORM, "application/json", "text/plain",
                                                       FORM + "; charset=utf-8"]),
       path=st.sampled_from([SMS, WHATSAPP, *STATUSES]))
@fuzz(0.05)
def test_bodies_that_are_not_twilio_forms_are_refused(fuzz_stack, body, content_type, path):
    before = fuzz_stack.stored.fingerprint()
    answer = send_raw(fuzz_stack, path, body, content_type)
    assert_answered(answer)
    # A delivery report reads only MessageSid, MessageStatus and ErrorCode: a message's form
    # sent there is one about a message the bot never sent (200, nothing changes).
    assert answer.status in (400, 403) or (path in STATUSES and answer.status == 200), \
        answer.error
    unchanged(fuzz_stack.stored, before, path)


@given(fields=st.lists(st.tuples(st.text(max_size=12), any_text), max_size=6),
       signature_value=st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126),
                                           max_size=40),
       path=st.sampled_from([SMS, WHATSAPP, *STATUSES]))
@fuzz(0.04)
def test_unsigned_or_forged_requests_are_403(fuzz_stack, fields, signature_value, path):
    headers = {"Content-Type": FORM}
    if signature_value is not None:
        headers[TWILIO_SIGNATURE_HEADER] = signature_value
    before = fuzz_stack.stored.fingerprint()
    answer = post(fuzz_stack.base_url, path, urlencode(fields).encode(), headers)
    assert_answered(answer)
    assert answer.status in (400, 403), answer.error  # 400: a forged body that is no form
    unchanged(fuzz_stack.stored, before, path)


@st.composite
def unusable_status(draw: st.DrawFn, sent_sids: list[str]) -> tuple[Fields, bool]:
    """A delivery report with at least one field Twilio would not send (a 400), or a sane one
    about a message the bot never sent (acknowledged, nothing changes). (fields, sane)"""
    sid = draw(st.sampled_from(sent_sids))
    fields = {"MessageSid": sid, "MessageStatus": draw(st.sampled_from(
        ["delivered", "failed", "undelivered", "read", "sent"])),
        "ErrorCode": draw(st.sampled_from(["", "21610", "30003"]))}
    bad = draw(st.sets(st.sampled_from(list(fields)), max_size=3))
    for name in bad:
        fields[name] = draw({"MessageSid": bad_sid,
                             "MessageStatus": bad_word.filter(bool) | any_text.filter(
                                 lambda s: re.fullmatch(r"[a-z_]{1,32}", s) is None),
                             "ErrorCode": foreign_digits("21610") | spoiled("21610")
                             | st.sampled_from(["2_1610", "21610.0", "-1", "x" * 9])}[name])
    if not bad:  # sane: then about a message the bot never sent
        fields["MessageSid"] = draw(st.from_regex(r"\ASM[0-9a-f]{32}\Z").filter(
            lambda s: s not in sent_sids))
    listed = list(fields.items())
    if draw(st.booleans()) and bad:
        listed.append(("MessageStatus", "delivered"))  # and a second status
    return listed, not bad


@pytest.mark.parametrize("path", STATUSES, ids=["sms", "whatsapp"])
def test_delivery_reports_the_bot_cannot_use_change_nothing(fuzz_stack, path):
    @fuzz(0.05)
    @given(unusable_status(fuzz_stack.sent_sids))
    def check(case: tuple[Fields, bool]) -> None:
        fields, sane = case
        before = fuzz_stack.stored.fingerprint()
        answer = send(fuzz_stack, path, fields)
        assert_answered(answer)
        assert answer.status == (200 if sane else 400), answer.error
        unchanged(fuzz_stack.stored, before, path)

    check()


@st.composite
def usable_message(draw: st.DrawFn, whatsapp: bool) -> Fields:
    """A message Twilio could send: a real number, any text (long, hostile, empty), maybe an
    attachment."""
    phone = draw(phones)
    media = draw(st.lists(st.tuples(st.just("https://api.twilio.com/media/ME1"),
                                    st.sampled_from(["image/jpeg", "audio/ogg", "video/mp4",
                                                     "application/pdf", "text/vcard"])),
                          max_size=1 if whatsapp else 2))
    longest = 4096 if whatsapp else 1600  # what Twilio delivers: 10 SMS segments, one WhatsApp
    body = draw(any_text | st.text(min_size=1, max_size=3).map(lambda s: (s * longest)[:longest]))
    return list(twilio_message_params(phone, body, whatsapp=whatsapp, media=media).items())


@pytest.mark.parametrize("path,whatsapp", [(SMS, False), (WHATSAPP, True)],
                         ids=["sms", "whatsapp"])
def test_messages_the_bot_can_use_are_applied(fuzz_stack, path, whatsapp):
    stored = fuzz_stack.stored
    stored.settle()
    first = stored.scalar("SELECT coalesce(max(id), 0) FROM inbox")

    weight = 0.02 if whatsapp else 0.04

    @fuzz(weight)
    @given(usable_message(whatsapp))
    def check(fields: Fields) -> None:
        answer = send(fuzz_stack, path, fields)
        assert_answered(answer)
        assert answer.status == 200, answer.error

    check()
    stored.settle(timeout=settle_time(weight))
    assert stored.scalar(f"SELECT count(*) FROM inbox WHERE id > {first}") >= 1
    assert stored.scalar(f"SELECT count(*) FROM inbox WHERE id > {first} AND "
                         f"(status != 'processed' OR last_error IS NOT NULL)") == 0
