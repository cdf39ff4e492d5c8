"""The form fields Twilio posts to the bot, each read once and only in the shape Twilio gives it.

A signature proves who sent a request, not that its fields are sane: a value with a NUL,
CR/LF, a right-to-left override or a zero-width character, a number in Arabic-Indic digits
(which `int()` reads), or a field given twice (which parsers resolve differently) is refused
with 400 before anything is stored. Twilio does not retry a webhook answered 4xx, so a
refusal cannot loop; it shows in the Twilio Console's error log with the reason.

From, the resident's address, must be a phone number in E.164 (`+`, a country code, 7-15
digits in all), with `whatsapp:` before it on WhatsApp. Short codes and alphanumeric sender
ids, which Twilio passes on for some SMS, are refused: a resident is never one, and the bot
could not reply to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.channels.validate import is_phone_number

WHATSAPP_PREFIX = "whatsapp:"
Form = Mapping[str, list[str]]

# Twilio's resource ids: two capital letters (SM, MM...) and 32 hexadecimal digits.
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
# An MMS carries at most 10 attachments; WhatsApp, one.
MEDIA_COUNT = re.compile(r"[0-9]|10")
# WhatsApp's MessageType (text, image, location, sticker, contacts...); MessageStatus.
WORD = re.compile(r"[a-z_]{1,32}")
ERROR_CODE = re.compile(r"(?:[0-9]{1,6})?")  # empty: no error
# A MIME type, with parameters ("text/vcard; charset=utf-8"); ASCII only.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
CONTENT_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"[ !#-\[\]-~]*\"))*")
DEGREES = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,20})?")


class FieldError(ValueError):
    """A field Twilio would not send like this; the message is the 400's reason."""


def text(form: Form, *names: str) -> str | None:
    """The value of the first of these fields that is present (older names follow newer ones),
    or None; FieldError when it is given more than once."""
    for name in names:
        values = form.get(name)
        if values:
            if len(values) > 1:
                raise FieldError(f"{name} is given more than once.")
            return values[0]
    return None


def shaped(form: Form, name: str, shape: re.Pattern[str], what: str) -> str | None:
    """An optional field that, when present, must match `shape` exactly."""
    value = text(form, name)
    if value is not None and shape.fullmatch(value) is None:
        raise FieldError(f"{name} must be {what}.")
    return value


def message_sid(form: Form, *fallbacks: str) -> str:
    sid = text(form, "MessageSid", *fallbacks)
    if sid is None or SID.fullmatch(sid) is None:
        raise FieldError("MessageSid is missing or malformed: two capital letters and 32 "
                         "hexadecimal digits.")
    return sid


def sender(form: Form, whatsapp: bool) -> str:
    """From, exactly as Twilio sends it: `+447700900123`, or `whatsapp:+447700900123`."""
    address = text(form, "From")
    if not address:
        raise FieldError("From is missing.")
    if address.lower().startswith(WHATSAPP_PREFIX) != whatsapp:
        raise FieldError("From: a WhatsApp message reached the SMS webhook, or the other way "
                         "round: check the webhook URL in the Twilio Console.")
    number = address[len(WHATSAPP_PREFIX):] if whatsapp else address
    if (whatsapp and not address.startswith(WHATSAPP_PREFIX)) or not is_phone_number(number):
        raise FieldError(f"From must be a phone number in E.164 form, + and 7 to 15 digits"
                         f"{' after whatsapp:' if whatsapp else ''}; short codes and sender "
                         f"names are not served.")
    return address


def media_count(form: Form) -> int:
    count = shaped(form, "NumMedia", MEDIA_COUNT, "a number of attachments, 0 to 10")
    return int(count) if count is not None else 0


def coordinate(form: Form, name: str, limit: int) -> float | None:
    value = shaped(form, name, DEGREES, f"a number of degrees, -{limit} to {limit}")
    if value is not None and abs(float(value)) > limit:
        raise FieldError(f"{name} must be a number of degrees, -{limit} to {limit}.")
    return float(value) if value is not None else None
