"""The running stack with both fake providers (Twilio, Telegram), for the channel and launch
end-to-end tests: signed webhooks in, replies out through the real clients to the fakes."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from constants import SECRET
from fakes.signing import (
    TEST_AUTH_TOKEN,
    sign_twilio_form,
    signed_twilio_sms,
    signed_twilio_whatsapp,
    telegram_secret_headers,
)
from fakes.telegram_api import FakeTelegram
from fakes.twilio_api import FakeTwilio

from bot.campaigns.publishing import publish_files
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import InboxMessage, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://bot.example.org"
TELEGRAM_SECRET = "telegram-e2e-secret"
SMS_FROM, WHATSAPP_FROM = "+447700900000", "+447700900001"
THANKS = "Thank you"  # buses-2026 thanks.en begins so


class Provider:
    """The running stack with both fakes, and the ways a provider talks to it."""

    def __init__(self, stack: Stack, twilio: FakeTwilio, telegram: FakeTelegram, logs: Path):
        self.stack, self.twilio, self.telegram, self.logs = stack, twilio, telegram, logs

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(self.stack.config.rasa_url + path, data=body,
                                         method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    def sms(self, phone: str, text: str, **fields) -> int:
        path = "/webhooks/twilio_sms/webhook"
        signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, text, **fields)
        return self.post(path, signed.body, signed.headers)

    def whatsapp(self, phone: str, text: str, **fields) -> int:
        path = "/webhooks/twilio_whatsapp/webhook"
        signed = signed_twilio_whatsapp(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, text, **fields)
        return self.post(path, signed.body, signed.headers)

    def tg(self, update: dict) -> int:
        return self.post("/webhooks/telegram/webhook", json.dumps(update).encode(),
                         telegram_secret_headers(TELEGRAM_SECRET))

    def status_callback(self, sid: str, status: str, error_code: int | None = None) -> int:
        path = "/webhooks/twilio_sms/status"
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": self.twilio.account_sid}
        if error_code:
            params["ErrorCode"] = str(error_code)
        signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + path, params)
        return self.post(path, signed.body, signed.headers)

    def factory(self):
        return session_factory(self.stack.config.database_url)

    def rows(self, model, name: str) -> list:
        with transaction(self.factory()) as session:
            return session.query(model).filter_by(pseudonym=name).order_by(model.id).all()

    def settled(self, name: str, inbound: int) -> bool:
        """`inbound` messages applied and nothing left to send for this resident."""
        inbox = self.rows(InboxMessage, name)
        outbox = self.rows(OutboxMessage, name)
        return len(inbox) >= inbound and all(r.status == "processed" for r in inbox) and \
            all(r.status not in ("queued", "sending") for r in outbox)

    def sms_to(self, phone: str) -> list[str]:
        return [m.body for m in self.twilio.accepted if m.to == phone]

    def whatsapp_to(self, phone: str) -> list[str]:
        return [m.body for m in self.twilio.accepted if m.to == f"whatsapp:{phone}"]

    def telegram_to(self, chat: int) -> list[dict]:
        return [r.params for r in self.telegram.calls("sendMessage")
                if str(r.params.get("chat_id")) == str(chat) and r.status == 200]


def wait_for(check: Callable[[], object], timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s")


@contextmanager
def provider_stack(model: Path, workdir: Path, extra_env: dict[str, str] | None = None,
                   campaigns: list[Path] | None = None, worker: bool = False,
                   database_url: str | None = None, console: bool = False
                   ) -> Iterator[Provider]:
    """A fresh database with the campaigns published, both fakes, and the stack: SQLite in
    `workdir`, or the (fresh) database at `database_url`, e.g. PostgreSQL, where every store,
    Rasa's tracker store included, then lives. `console`: the staff console too (its address
    in `stack.console_url`)."""
    url = database_url or f"sqlite:///{workdir / 'engage.db'}"
    upgrade(url)
    files = campaigns if campaigns is not None else sorted((ROOT / "campaigns").glob("*.yml"))
    publish_files([str(p) for p in files], url)
    with FakeTwilio() as twilio, FakeTelegram() as telegram:
        env = {**twilio.env(), **telegram.env(), "ENGAGE_PUBLIC_URL": PUBLIC_URL,
               "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET, "TWILIO_SMS_FROM": SMS_FROM,
               "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM, "ENGAGE_INBOX_POLL": "0.3",
               "ENGAGE_OUTBOX_POLL": "0.2", "ENGAGE_SEND_BACKOFF": "0.2", **(extra_env or {})}
        config = StackConfig(model=model, database_url=url, secret_key=SECRET,
                             rasa_port=free_port(), action_port=free_port(),
                             log_dir=workdir / "logs", extra_env=env, worker=worker,
                             console=console, console_port=free_port())
        with Stack(config) as stack:
            stack.console_url = f"http://127.0.0.1:{config.console_port}"
            yield Provider(stack, twilio, telegram, workdir / "logs")
    engine_for(url).dispose()
