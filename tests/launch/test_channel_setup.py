"""A launch says plainly when a channel is not set up, refuses to queue invitations that
nothing could send (unless told --queue-anyway), and never calls queued "sent"."""

from __future__ import annotations

import pytest
from launch_helpers import (
    GROUP,
    SLUG,
    Queue,
    audience,
    hand_to_providers,
    invitations,
    row_counts,
)

from bot.catalogue import Catalogue
from bot.cli import main
from bot.conversation import ConversationService
from bot.launch import running as launching
from bot.outbound.providers import CHANNEL_SETTINGS, build_providers, missing_settings

TWILIO = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SMS_FROM",
          "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_WHATSAPP_FROM")
SMS_NOT_SET_UP = ("SMS is not set up: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_SMS_FROM "
                  "or TWILIO_MESSAGING_SERVICE_SID are not set")


@pytest.fixture
def no_twilio(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TWILIO:
        monkeypatch.delenv(name, raising=False)


def test_the_dry_run_says_which_channels_are_not_set_up(env, factory, capsys, no_twilio):
    audience(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{SMS_NOT_SET_UP}; nothing would be sent to the 5 SMS contact(s)." in out, out
    assert ("WhatsApp is not set up: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
            "TWILIO_WHATSAPP_FROM are not set; nothing would be sent to the 1 WhatsApp "
            "contact(s).") in out
    assert "Telegram is not set up" not in out
    assert "--queue-anyway" in out


def test_a_real_launch_on_a_channel_not_set_up_is_refused(env, factory, capsys, no_twilio,
                                                          monkeypatch):
    audience(factory)
    monkeypatch.setattr(launching, "default_enqueue", Queue())
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {SMS_NOT_SET_UP}; nothing can be sent to the 5 SMS "
                          "contact(s)."), err
    assert "--channel" in err and "--queue-anyway" in err and "Nothing was changed." in err
    assert row_counts(factory) == before


def test_only_the_channels_that_are_set_up(env, factory, capsys, no_twilio, monkeypatch):
    audience(factory)
    queue = Queue()
    monkeypatch.setattr(launching, "default_enqueue", queue)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--channel", "telegram",
                 "--no-wait"]) == 0
    assert len(queue.calls) == 1 == len(invitations(factory))


def test_queue_anyway_queues_and_says_they_wait(env, factory, capsys, no_twilio, monkeypatch):
    audience(factory)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    queue = Queue()
    monkeypatch.setattr(launching, "default_enqueue", queue)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--queue-anyway"]) == 0
    out = capsys.readouterr().out
    assert f"{SMS_NOT_SET_UP}: its 5 invitation(s) wait until it is" in out, out
    assert "Nothing can be sent until then." in out
    assert "sending them" not in out and "Done:" not in out  # no bar that could never end
    assert len(queue.calls) == 7


@pytest.mark.parametrize("settings", [
    {},
    {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"},
    {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_MESSAGING_SERVICE_SID": "MG1"},
    {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_SMS_FROM": "+447700900000"},
    {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "+4477009"},
    {"TELEGRAM_BOT_TOKEN": "1:x"},
])
def test_the_launch_asks_what_the_sender_needs(settings):
    """The launch runs in another process than the sender: it must judge by the same rule."""
    sendable = {channel for channel in CHANNEL_SETTINGS if not missing_settings(channel, settings)}
    assert sendable == set(build_providers(settings))


def test_queue_anyway_watches_only_what_can_be_sent(env, factory, capsys, no_twilio,
                                                    monkeypatch, fake_telegram):
    audience(factory)
    convo = ConversationService(factory, Catalogue(check_every=0))

    def worker_and_bot(invitation_id: int, _due: object) -> None:
        convo.invite(invitation_id)
        hand_to_providers(factory)  # the bot has only Telegram set up, like this shell

    monkeypatch.setattr(launching, "default_enqueue", worker_and_bot)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--queue-anyway"]) == 0
    captured = capsys.readouterr()
    assert f"{SMS_NOT_SET_UP}: its 5 invitation(s) wait until it is" in captured.out
    assert "Done: 1 invitation(s) sent (handed to the phone company or app), 0 failed." \
        in captured.out
    assert "1/1  sent 1  failed 0  queued 0" in captured.err
    assert len(fake_telegram.calls("sendMessage")) == 1
