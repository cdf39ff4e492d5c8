"""Launch tests run on a fresh SQLite file, and where they say so on PostgreSQL too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from constants import SECRET
from fakes import fake_telegram, fake_twilio  # noqa: F401  (fixtures)

from bot.clock import write_clock_file


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path, sqlite_url: str) -> str:
    """The staff command's settings: this database, the secret, a named actor."""
    monkeypatch.setenv("ENGAGE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("ENGAGE_SECRET_KEY_FILE", str(tmp_path / "no-such.key"))
    monkeypatch.setenv("ENGAGE_ACTOR", "sam")
    for name in ("ENGAGE_PRICE_SMS", "ENGAGE_PRICE_WHATSAPP", "ENGAGE_PRICE_CURRENCY",
                 "ENGAGE_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    return sqlite_url


@pytest.fixture(autouse=True)
def no_real_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """A launch test never reaches the worker's real queue (var/queue.db): tests that enqueue
    replace this with their own stand-in."""
    from bot.launch import running as launch

    def refuse(invitation_id: int, due_at: object) -> None:
        raise AssertionError(f"a test enqueued invitation {invitation_id} on the real queue")

    monkeypatch.setattr(launch, "default_enqueue", refuse)


CHANNEL_SETTINGS = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
                    "TWILIO_SMS_FROM": "+447700900000", "TWILIO_WHATSAPP_FROM": "+447700900001",
                    "TELEGRAM_BOT_TOKEN": "123456:launch-tests"}
UNSET = ("TWILIO_MESSAGING_SERVICE_SID",)


@pytest.fixture(autouse=True)
def channels_set_up(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every channel's settings, as on an officer's machine set up like the bot's (a launch
    only reads them: nothing here is ever contacted). Tests of a channel that is not set up
    take them away again."""
    for name, value in CHANNEL_SETTINGS.items():
        monkeypatch.setenv(name, value)
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    return dict(CHANNEL_SETTINGS)


NOON = datetime(2026, 12, 1, 12, 0)  # a Tuesday; London is on UTC in December


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Path:
    """The quiet-hours clock (bot.clock) reads noon in London, whatever the real time, unless
    a test moves it (the returned clock file)."""
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    write_clock_file(path, NOON)
    return path
