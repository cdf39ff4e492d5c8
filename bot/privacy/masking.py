"""The masked form of a contact's address, the only form staff ever see: `+44 77•• •••123`.

A phone number keeps its country code, the first two digits and the last three of the rest; a
Telegram chat id its last three digits. Everything else is a dot, so staff can tell contacts
apart (and read one out to a resident who asks) without the number itself reaching a page.
"""

from __future__ import annotations

import phonenumbers

DOT = "•"
HEAD, TAIL = 2, 3  # digits kept at the start and the end of a national number
TELEGRAM_TAIL = 3
HIDDEN_AT_LEAST = 4  # a short number keeps fewer digits, so this many are always dots
NOT_SHOWN = "(not shown)"


def _kept(digits: str, head: int, tail: int) -> str:
    while head + tail and len(digits) - head - tail < HIDDEN_AT_LEAST:
        if tail >= head and tail:
            tail -= 1
        else:
            head -= 1
    return digits[:head] + DOT * (len(digits) - head - tail) + digits[len(digits) - tail:]


def mask_phone(number: str) -> str:
    """"+447700900123" (or "whatsapp:+44...") -> "+44 77•• •••123"."""
    text = number.strip().removeprefix("whatsapp:")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        digits = "".join(ch for ch in text if ch.isdigit())
        return _kept(digits, 0, TAIL) if digits else NOT_SHOWN
    national = phonenumbers.national_significant_number(parsed)
    shown = _kept(national, HEAD, TAIL)
    return f"+{parsed.country_code} {shown[:4]} {shown[4:]}".rstrip()


def mask_chat_id(chat_id: str) -> str:
    """"123456789" -> "••••••789"; a group's "-100..." keeps its minus."""
    text = chat_id.strip()
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if not digits.isdigit():
        return NOT_SHOWN
    return sign + _kept(digits, 0, TELEGRAM_TAIL)


def mask(channel: str, address: str) -> str:
    """The masked form of an address on its channel (a connector's name, e.g. twilio_sms)."""
    return mask_chat_id(address) if channel == "telegram" else mask_phone(address)
