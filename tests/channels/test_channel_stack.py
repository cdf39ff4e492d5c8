"""The provider channels in a real Rasa server with the real action server: a signed webhook
becomes an inbox row, the action applies it and queues the reply in the outbox; with the
action server down the message waits and is applied once it is back."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from channel_helpers import PUBLIC_URL, TELEGRAM_SECRET
from constants import SECRET
from fakes.signing import (
    TEST_AUTH_TOKEN,
    signed_twilio_sms,
    telegram_photo_update,
    telegram_secret_headers,
    telegram_start_update,
)

from bot.campaigns.publishing import publish_files
from bot.channels.inbox import replay_token
from bot.privacy import pseudonym
from bot.stack import BIN, Stack, StackConfig, free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import Contact, InboxMessage, OutboxMessage

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = """\
bot.channels.rest.PseudonymousRestInput: {}
bot.channels.twilio_sms.TwilioSmsInput: {}
bot.channels.twilio_whatsapp.TwilioWhatsAppInput: {}
bot.channels.telegram.TelegramInput: {}
bot.channels.inbox.InboxReplayInput: {}
"""


class ChannelStack(Stack):
    """The project's stack, with every provider channel configured."""

    credentials: Path

    def start_rasa(self) -> None:
        self._spawn("rasa", [str(BIN / "rasa"), "run", "--model", str(self.config.model),
                             "--endpoints", "endpoints.yml", "--credentials",
                             str(self.credentials), "--port", str(self.config.rasa_port),
                             "--interface", "127.0.0.1"], secret=True, actions=True)


@pytest.fixture(scope="module")
def stack(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelStack]:
    workdir = tmp_path_factory.mktemp("channel_stack")
    url = f"sqlite:///{workdir / 'engage.db'}"
    upgrade(url)
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
    credentials = workdir / "credentials.yml"
    credentials.write_text(CREDENTIALS)
    config = StackConfig(
        model=rasa_model, database_url=url, secret_key=SECRET, rasa_port=free_port(),
        action_port=free_port(), log_dir=workdir / "logs",
        extra_env={"ENGAGE_PUBLIC_URL": PUBLIC_URL, "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
                   "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET, "ENGAGE_INBOX_POLL": "0.2"})
    running = ChannelStack(config)
    running.credentials = credentials
    with running:
        yield running
    engine_for(url).dispose()


def post(stack: Stack, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(stack.config.rasa_url + path, data=body, method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sms(stack: Stack, phone: str, text: str, **fields) -> tuple[int, bytes]:
    path = "/webhooks/twilio_sms/webhook"
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, text, **fields)
    return post(stack, path, signed.body, signed.headers)


def telegram(stack: Stack, update: dict) -> tuple[int, bytes]:
    return post(stack, "/webhooks/telegram/webhook", json.dumps(update).encode(),
                telegram_secret_headers(TELEGRAM_SECRET))


def wait_for(check: Callable[[], object], timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s")


def rows(stack: Stack, model, name: str) -> list:
    with transaction(session_factory(stack.config.database_url)) as session:
        return session.query(model).filter_by(pseudonym=name).order_by(model.id).all()


def processed_all(stack: Stack, name: str, count: int = 1) -> list[InboxMessage] | None:
    found = rows(stack, InboxMessage, name)
    return found if len(found) >= count and all(r.status == "processed" for r in found) \
        else None


def processed(stack: Stack, name: str, count: int = 1) -> list[InboxMessage]:
    return wait_for(lambda: processed_all(stack, name, count))


def test_an_sms_is_applied_once_and_the_reply_queued(stack):
    phone = "+447700900201"
    name = pseudonym(SECRET, "twilio_sms", phone)
    path = "/webhooks/twilio_sms/webhook"
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, "BUSES")
    status, body = post(stack, path, signed.body, signed.headers)
    assert status == 200 and b"<Response></Response>" in body
    [row] = processed(stack, name)
    replies = rows(stack, OutboxMessage, name)
    assert replies and replies[0].channel == "twilio_sms"
    assert replies[0].dedupe_key == f"inbox:{row.id}:0"
    assert post(stack, path, signed.body, signed.headers)[0] == 200  # Twilio retries
    time.sleep(1)
    assert len(rows(stack, InboxMessage, name)) == 1
    assert len(rows(stack, OutboxMessage, name)) == len(replies)
    with transaction(session_factory(stack.config.database_url)) as session:
        contact = session.query(Contact).filter_by(pseudonym=name).one()
        assert contact.channel == "twilio_sms" and b"7700900201" not in contact.address_encrypted


def test_a_forged_sms_is_refused_and_stores_nothing(stack):
    phone = "+447700900202"
    path = "/webhooks/twilio_sms/webhook"
    forged = signed_twilio_sms("not-the-token", PUBLIC_URL + path, phone, "BUSES")
    assert post(stack, path, forged.body, forged.headers)[0] == 403
    name = pseudonym(SECRET, "twilio_sms", phone)
    assert not rows(stack, InboxMessage, name) and not rows(stack, Contact, name)


def test_telegram_deep_link_then_a_photo(stack):
    chat = 55501
    name = pseudonym(SECRET, "telegram", str(chat))
    assert telegram(stack, telegram_start_update(chat, "BUSES")) == (200, b"{}")
    processed(stack, name)
    started = len(rows(stack, OutboxMessage, name))
    assert started >= 1
    assert telegram(stack, telegram_photo_update(chat))[0] == 200
    found = processed(stack, name, count=2)
    assert [r.kind for r in found] == ["text", "photo"]
    wait_for(lambda: len(rows(stack, OutboxMessage, name)) > started)  # answered kindly


def test_with_the_action_server_down_messages_wait_then_are_applied(stack):
    phone = "+447700900203"
    name = pseudonym(SECRET, "twilio_sms", phone)
    stack.processes.pop("actions").stop()
    try:
        assert sms(stack, phone, "BUSES")[0] == 200
        assert sms(stack, phone, "yes")[0] == 200
        first = wait_for(lambda: [r for r in rows(stack, InboxMessage, name) if r.attempts])[0]
        assert first.status == "pending" and first.body == "BUSES"
        assert all(r.status == "pending" for r in rows(stack, InboxMessage, name))
    finally:
        stack.start_actions()
        stack.wait_until_ready()
    found = wait_for(lambda: processed_all(stack, name), timeout=90)
    assert [r.body for r in found] == ["BUSES", "yes"]
    assert rows(stack, OutboxMessage, name)


def test_the_replay_endpoint_answers_counts(stack):
    status, body = post(stack, "/webhooks/inbox/replay", b"{}",
                        {"Authorization": f"Bearer {replay_token(SECRET)}",
                         "Content-Type": "application/json"})
    assert status == 200
    assert set(json.loads(body)) >= {"residents", "processed", "pending", "failed"}
    assert post(stack, "/webhooks/inbox/replay", b"{}", {})[0] == 403
