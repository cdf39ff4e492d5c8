"""The database fails for a while under the running stack, then recovers: everything works
again without a restart, every message is applied exactly once, and every applied message's
events are in Rasa's tracker store (`events` table), once.

Faults are made in the database itself, on SQLite and on PostgreSQL: tracker writes refused
(a trigger on `events`, as a full disk or a lock timeout on that table would), tracker reads
failing (the table away), and the whole database unwritable (SQLite: another process holding
the write lock; PostgreSQL: the database made read-only and its connections ended).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from constants import SECRET
from databases import fresh_postgres_database
from db_faults import PostgresFaults, SqliteFaults
from fakes.signing import TEST_AUTH_TOKEN, new_sid, signed_twilio_sms
from fakes.telegram_api import FakeTelegram
from fakes.twilio_api import FakeTwilio
from provider_stack import PUBLIC_URL, SMS_FROM, Provider, wait_for

from bot.campaigns.publishing import publish_files
from bot.privacy import pseudonym
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for, transaction
from bot.store.migrate import upgrade
from bot.store.models import InboxMessage, OutboxMessage, Participant

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def outage(request: pytest.FixtureRequest, rasa_model: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Provider, object]]:
    workdir = tmp_path_factory.mktemp(f"outage_{request.param}")
    with _database(request, workdir) as (url, faults), \
            FakeTwilio() as twilio, FakeTelegram() as telegram:
        upgrade(url)
        publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
        env = {**twilio.env(), **telegram.env(), "ENGAGE_PUBLIC_URL": PUBLIC_URL,
               "TWILIO_SMS_FROM": SMS_FROM, "ENGAGE_INBOX_POLL": "0.3",
               "ENGAGE_OUTBOX_POLL": "0.2", "ENGAGE_SEND_BACKOFF": "0.2"}
        config = StackConfig(model=rasa_model, database_url=url, secret_key=SECRET,
                             rasa_port=free_port(), action_port=free_port(),
                             log_dir=workdir / "logs", extra_env=env)
        with Stack(config) as stack:
            yield Provider(stack, twilio, telegram, workdir / "logs"), faults
        engine_for(url).dispose()


@contextmanager
def _database(request: pytest.FixtureRequest, workdir: Path) -> Iterator[tuple[str, object]]:
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'engage.db'}"
        yield url, SqliteFaults(url)
        return
    admin = request.getfixturevalue("postgres_url")
    with fresh_postgres_database(admin, "engage_outage") as url:
        yield url, PostgresFaults(url, admin)


class Resident:
    """One resident texting by SMS; a resend after a 5xx is Twilio's retry (same sid)."""

    def __init__(self, provider: Provider, phone: str) -> None:
        self.provider, self.phone = provider, phone
        self.name = pseudonym(SECRET, "twilio_sms", phone)

    def text(self, body: str, sid: str | None = None) -> int:
        path = "/webhooks/twilio_sms/webhook"
        signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, self.phone, body,
                                   message_sid=sid or new_sid("SM"))
        return self.provider.post(path, signed.body, signed.headers)

    def applied(self, count: int, timeout: float = 120) -> None:
        wait_for(lambda: self.provider.settled(self.name, count), timeout=timeout)

    def inbox(self) -> list[InboxMessage]:
        return self.provider.rows(InboxMessage, self.name)

    def tracker_texts(self) -> list[str]:
        """The resident's messages as Rasa's tracker store holds them, in order."""
        engine = engine_for(self.provider.stack.config.database_url)
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' "
                "ORDER BY id"), {"sender": self.name}).scalars().all()
        return [json.loads(row)["text"] for row in rows]

    def participant(self) -> tuple[str, str]:
        with transaction(self.provider.factory()) as session:
            row = session.query(Participant).filter_by(pseudonym=self.name).one()
            return row.phase, row.consent

    def replies(self) -> tuple[list[str], list[str]]:
        """What the outbox holds for them, and what the provider was given, in order."""
        queued = [r.body for r in self.provider.rows(OutboxMessage, self.name)]
        return queued, self.provider.sms_to(self.phone)


def assert_applied_once(resident: Resident, texts: list[str]) -> None:
    inbox = resident.inbox()
    assert [r.body for r in inbox] == texts and all(r.status == "processed" for r in inbox)
    assert resident.tracker_texts() == texts  # every applied message in the tracker, once
    queued, delivered = resident.replies()
    assert delivered == queued and len(set(r.dedupe_key for r in resident.provider.rows(
        OutboxMessage, resident.name))) == len(queued)


def test_refused_tracker_writes_are_kept_and_written_once_the_database_takes_them(outage):
    provider, faults = outage
    resident = Resident(provider, "+447700900701")
    faults.refuse_tracker_writes()
    try:
        assert resident.text("BUSES") == 200
        resident.applied(1)  # the answer is stored; only the tracker's events wait
        assert resident.text("1") == 200
        wait_for(lambda: len(resident.inbox()) == 2, timeout=30)
    finally:
        faults.allow_tracker_writes()
    resident.applied(2)
    assert resident.text("YES") == 200
    resident.applied(3)
    assert_applied_once(resident, ["BUSES", "1", "YES"])
    assert resident.participant()[1] == "given"


def test_a_tracker_that_cannot_be_read_does_not_start_a_new_conversation(outage):
    provider, faults = outage
    resident = Resident(provider, "+447700900702")
    assert resident.text("BUSES") == 200
    resident.applied(1)
    faults.hide_tracker()
    try:
        assert resident.text("1") == 200  # recorded in the inbox; Rasa cannot read the history
        wait_for(lambda: [r for r in resident.inbox() if r.attempts], timeout=60)
    finally:
        faults.restore_tracker()
    resident.applied(2)
    assert_applied_once(resident, ["BUSES", "1"])
    engine = engine_for(provider.stack.config.database_url)
    with engine.connect() as connection:
        sessions = connection.execute(sa.text(
            "SELECT count(*) FROM events WHERE sender_id = :sender AND "
            "type_name = 'session_started'"), {"sender": resident.name}).scalar_one()
    assert sessions == 1  # one conversation, not a second one over the first


def test_a_database_unwritable_for_a_while_then_back_loses_and_repeats_nothing(outage):
    provider, faults = outage
    resident = Resident(provider, "+447700900703")
    assert resident.text("BUSES") == 200
    resident.applied(1)
    sid = new_sid("SM")
    outcome: dict[str, int] = {}
    with faults.unwritable():
        sender = threading.Thread(target=lambda: outcome.update(status=resident.text("1", sid)))
        sender.start()
        sender.join(60)
        with urllib.request.urlopen(provider.stack.config.rasa_url + "/webhooks/rest/",
                                    timeout=30) as health:
            assert health.status == 200  # Rasa keeps answering meanwhile
    assert outcome["status"] >= 500  # not stored: Twilio will retry
    wait_for(lambda: resident.text("1", sid) == 200, timeout=60)  # Twilio's retry
    resident.applied(2)
    assert resident.text("YES") == 200
    resident.applied(3)
    assert_applied_once(resident, ["BUSES", "1", "YES"])
    assert resident.participant()[1] == "given"
