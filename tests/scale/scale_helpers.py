"""Several replicas on one PostgreSQL database, with the fake Twilio: what the scale-out
tests drive, and what they count afterwards, from the database."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from constants import SECRET
from fakes.signing import TEST_AUTH_TOKEN, signed_twilio_sms
from fakes.twilio_api import FakeTwilio

from bot.campaigns.publishing import publish_files
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://bot.example.org"
SMS_FROM = "+447700900000"
SMS_PATH = "/webhooks/twilio_sms/webhook"


def provider_env(twilio: FakeTwilio) -> dict[str, str]:
    return {**twilio.env(), "ENGAGE_PUBLIC_URL": PUBLIC_URL, "TWILIO_SMS_FROM": SMS_FROM,
            "ENGAGE_INBOX_POLL": "0.2", "ENGAGE_OUTBOX_POLL": "0.2",
            "ENGAGE_SEND_BACKOFF": "0.2"}


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 30) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def sms(base_url: str, phone: str, text: str, sid: str | None = None) -> int:
    """A signed Twilio SMS webhook to `base_url` (a replica or the load balancer)."""
    fields = {"message_sid": sid} if sid else {}
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, phone, text, **fields)
    return post(base_url + SMS_PATH, signed.body, signed.headers)


def wait_for(check: Callable[[], object], timeout: float = 90, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s")


@dataclass
class Ledger:
    """What the database says happened, message by message."""

    url: str

    def _rows(self, query: str) -> list[sa.engine.Row]:
        with engine_for(self.url).connect() as connection:
            return list(connection.execute(sa.text(query)))

    def inbox(self) -> dict[str, int]:
        return dict(self._rows("SELECT status, count(*) FROM inbox GROUP BY status"))

    def settled(self, expected: int) -> bool:
        """`expected` messages recorded, every one applied, nothing waiting to be sent."""
        inbox = self.inbox()
        waiting = self._rows("SELECT count(*) FROM outbox "
                             "WHERE status IN ('queued', 'sending')")[0][0]
        return sum(inbox.values()) >= expected and set(inbox) <= {"processed"} and not waiting

    def user_events(self) -> dict[str, list[int | None]]:
        """Per sender, the inbox id of every user message in Rasa's tracker store, in order."""
        found: dict[str, list[int | None]] = defaultdict(list)
        for sender, data in self._rows("SELECT sender_id, data FROM events "
                                       "WHERE type_name = 'user' ORDER BY id"):
            found[sender].append((json.loads(data).get("metadata") or {}).get("inbox_id"))
        return found

    def inbox_ids(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for pseudonym, row_id in self._rows("SELECT pseudonym, id FROM inbox "
                                            "ORDER BY id"):
            found[pseudonym].append(row_id)
        return found

    def last_inbox_id(self) -> int:
        return self._rows("SELECT coalesce(max(id), 0) FROM inbox")[0][0]

    def tracker_problems(self, after: int = 0) -> list[str]:
        """Every inbox message once in the tracker, in the order it arrived: else, what not.
        Only residents whose messages all came after inbox id `after`."""
        problems = []
        events, inbox = self.user_events(), self.inbox_ids()
        for pseudonym, ids in inbox.items():
            if ids[0] <= after:
                continue
            seen = [i for i in events.get(pseudonym, []) if i is not None]
            if seen != ids:
                problems.append(f"{pseudonym[:12]}: inbox {ids}, tracker {seen}")
        return problems


@dataclass
class Replicas:
    stacks: list[Stack]
    twilio: FakeTwilio
    ledger: Ledger

    def url(self, number: int) -> str:
        return self.stacks[number].config.rasa_url


@contextmanager
def replicas(model: Path, database_url: str, workdir: Path, count: int = 2,
             extra_env: dict[str, str] | None = None) -> Iterator[Replicas]:
    """`count` Rasa servers, each with its own action server, on one database."""
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], database_url)
    with FakeTwilio() as twilio, ExitStack() as running:
        env = {**provider_env(twilio), **(extra_env or {})}
        stacks = []
        for number in range(count):
            config = StackConfig(model=model, database_url=database_url, secret_key=SECRET,
                                 rasa_port=free_port(), action_port=free_port(),
                                 log_dir=workdir / f"logs-{number}", extra_env=env)
            stacks.append(running.enter_context(Stack(config)))
        yield Replicas(stacks, twilio, Ledger(database_url))
    engine_for(database_url).dispose()
