"""Fake provider APIs on 127.0.0.1 for tests: the real `twilio` client and the real
python-telegram-bot `Bot` talk to these instead of Twilio and Telegram.

    from fakes import FakeTwilio, fake_twilio  # the fixture, for a conftest.py

(`tests/` is on sys.path because tests/conftest.py lives there.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import RecordedRequest, ThreadedServer
from .signing import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    SignedForm,
    sign_twilio_form,
    signed_twilio_sms,
    signed_twilio_whatsapp,
    telegram_contact_update,
    telegram_edited_update,
    telegram_location_update,
    telegram_photo_update,
    telegram_secret_headers,
    telegram_start_update,
    telegram_sticker_update,
    telegram_text_update,
    telegram_voice_update,
    twilio_message_params,
    twilio_signature,
)
from .telegram_api import TEST_BOT_TOKEN, FakeTelegram
from .twilio_api import FakeTwilio, StatusCallback, TwilioMessage

__all__ = [
    "TEST_ACCOUNT_SID", "TEST_AUTH_TOKEN", "TEST_BOT_TOKEN", "FakeTelegram", "FakeTwilio",
    "RecordedRequest", "SignedForm", "StatusCallback", "ThreadedServer", "TwilioMessage",
    "fake_telegram", "fake_twilio", "sign_twilio_form", "signed_twilio_sms",
    "signed_twilio_whatsapp", "telegram_contact_update", "telegram_edited_update",
    "telegram_location_update", "telegram_photo_update", "telegram_secret_headers",
    "telegram_start_update", "telegram_sticker_update", "telegram_text_update",
    "telegram_voice_update", "twilio_message_params", "twilio_signature",
]


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """A running fake Twilio, with TWILIO_* and ENGAGE_TWILIO_API_BASE pointing at it."""
    with FakeTwilio() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield fake


@pytest.fixture
def fake_telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    """A running fake Bot API, with TELEGRAM_BOT_TOKEN and ENGAGE_TELEGRAM_API_BASE set."""
    with FakeTelegram() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield fake
