"""Channel and inbox tests: a migrated database per test (SQLite, and PostgreSQL where asked),
the secret and public URL in the environment, and no pseudonym cache carried between tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from channel_helpers import PUBLIC_URL, TELEGRAM_SECRET, FakeRasa, Reply, Served
from constants import SECRET
from fakes.signing import (
    TEST_AUTH_TOKEN,
    SignedForm,
    signed_twilio_sms,
    signed_twilio_whatsapp,
    telegram_secret_headers,
)
from sqlalchemy.orm import sessionmaker

from bot.channels.inbox import InboxProcessor, InboxReplayInput
from bot.channels.telegram import TelegramInput
from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_whatsapp import TwilioWhatsAppInput
from bot.store.db import session_factory


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    """The Rasa process's settings: database, secret, public URL; signatures checked."""
    monkeypatch.setenv("ENGAGE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("ENGAGE_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("ENGAGE_INSECURE_SKIP_SIGNATURES", raising=False)
    # Nothing to clear: bot.bootstrap keys what it keeps by database and key.
    yield sqlite_url



@dataclass
class Harness:
    """The three provider channels and the replay endpoint, served as Rasa serves them."""

    served: Served
    rasa: FakeRasa
    processor: InboxProcessor
    factory: sessionmaker
    kicks: list[str]

    def url(self, path: str) -> str:
        return PUBLIC_URL + path

    def twilio(self, channel: str, signed: SignedForm, path: str = "webhook") -> Reply:
        return self.served.post(f"/webhooks/{channel}/{path}", signed.body, signed.headers)

    def sms(self, from_: str, body: str = "", **fields: Any) -> Reply:
        url = self.url("/webhooks/twilio_sms/webhook")
        return self.twilio("twilio_sms", signed_twilio_sms(TEST_AUTH_TOKEN, url, from_, body,
                                                           **fields))

    def whatsapp(self, from_: str, body: str = "", **fields: Any) -> Reply:
        url = self.url("/webhooks/twilio_whatsapp/webhook")
        return self.twilio("twilio_whatsapp",
                           signed_twilio_whatsapp(TEST_AUTH_TOKEN, url, from_, body, **fields))

    def telegram(self, update: Any, secret: str | None = TELEGRAM_SECRET,
                 raw: bytes | None = None) -> Reply:
        headers = telegram_secret_headers(secret) if secret is not None else {
            "Content-Type": "application/json"}
        body = raw if raw is not None else json.dumps(update).encode()
        return self.served.post("/webhooks/telegram/webhook", body, headers)

    def settle(self) -> None:
        """Wait until the kicked processing is done."""
        self.served.run(self.processor.idle())


@pytest.fixture
def harness(env: str) -> Iterator[Harness]:
    factory = session_factory(env)
    kicks: list[str] = []
    processor = InboxProcessor(factory, poll=3600, after_turns=lambda: kicks.append("sender"))
    rasa = FakeRasa(factory)
    channels = [
        TwilioSmsInput(TEST_AUTH_TOKEN, PUBLIC_URL, processor=processor),
        TwilioWhatsAppInput(TEST_AUTH_TOKEN, PUBLIC_URL, processor=processor),
        TelegramInput(TELEGRAM_SECRET, processor=processor),
        InboxReplayInput(processor=processor, secret=SECRET),
    ]
    served = Served(channels, rasa)
    try:
        yield Harness(served, rasa, processor, factory, kicks)
    finally:
        served.close()
