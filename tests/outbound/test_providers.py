"""Small rules of the provider senders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from bot.outbound.providers import (
    build_providers,
    chat_id,
    parse_retry_after,
    status_callback_url,
    window_open,
)
from bot.outbound.sender import SenderSettings, scrub


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31


def test_backoff_doubles_up_to_the_cap():
    settings = SenderSettings()
    assert [settings.backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_whatsapp_window():
    now = datetime(2026, 1, 2, 12, 0)
    assert window_open(now - timedelta(hours=23, minutes=59), now)
    assert not window_open(now - timedelta(hours=24), now)
    assert not window_open(None, now)


def test_scrub_removes_every_spelling_of_the_address():
    reason = "To whatsapp:+447700900123 (447700900123, +447700900123) is not valid"
    assert scrub(reason, "whatsapp:+447700900123") == \
        "To <address> (<address>, <address>) is not valid"
    assert scrub("chat 42 not found", None) == "chat 42 not found"


def test_chat_ids_and_callback_url():
    assert chat_id("4242") == 4242 and chat_id("-100123") == -100123
    assert chat_id("@channel") == "@channel"
    assert status_callback_url({"ENGAGE_PUBLIC_URL": "https://bot.example/"}) == \
        "https://bot.example/webhooks/twilio_sms/status"
    assert status_callback_url({}) is None


def test_only_configured_channels_get_a_sender():
    assert build_providers({}) == {}
    only_twilio = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}
    assert build_providers(only_twilio) == {}  # no sender number: nothing to send from
    both = build_providers({**only_twilio, "TWILIO_SMS_FROM": "+447700900000",
                            "TWILIO_WHATSAPP_FROM": "+447700900001", "TELEGRAM_BOT_TOKEN": "1:x"})
    assert sorted(both) == ["telegram", "twilio_sms", "twilio_whatsapp"]
