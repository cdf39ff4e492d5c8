"""The launch tests' world for the console: the launch tests' own campaign and contact group
(tests/launch/launch_helpers.py: one contact of every kind, invited or left out), every
channel set up, the worker's queue replaced by a recorder, and noon on the quiet-hours clock."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "launch"))

from launch_helpers import (  # noqa: E402
    GROUP,
    SECRET,
    SLUG,
    Queue,
    add_contact,
    audience,
    invitations,
    publish,
    row_counts,
)

from bot.clock import write_clock_file  # noqa: E402

__all__ = ["GROUP", "SECRET", "SLUG", "Queue", "add_contact", "audience", "invitations",
           "publish", "row_counts", "launch_world"]

CHANNEL_SETTINGS = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
                    "TWILIO_SMS_FROM": "+447700900000", "TWILIO_WHATSAPP_FROM": "+447700900001",
                    "TELEGRAM_BOT_TOKEN": "123456:console-launch-tests"}
NOON = datetime(2026, 12, 1, 12, 0)


def launch_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Queue:
    """Channels set up, noon in London, and a recorder for the worker's queue (returned)."""
    from bot.launch import running

    for name, value in CHANNEL_SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TWILIO_MESSAGING_SERVICE_SID", raising=False)
    for name in ("ENGAGE_PRICE_SMS", "ENGAGE_PRICE_WHATSAPP", "ENGAGE_PRICE_CURRENCY"):
        monkeypatch.delenv(name, raising=False)
    clock_file = tmp_path / "quiet-clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(clock_file))
    write_clock_file(clock_file, NOON)
    queue = Queue()
    monkeypatch.setattr(running, "default_enqueue", queue)
    return queue
