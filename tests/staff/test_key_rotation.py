"""Rotating the secret key (`engage keys rotate`, bot/privacy/rotation.py) on a database
filled through the real code paths (contacts import, a launch, conversations on SMS,
WhatsApp and Telegram, Rasa's own tracker store), on SQLite and PostgreSQL: afterwards every
address opens with the new key only, every resident's pseudonym is the new key's everywhere
and no old one is left anywhere, nothing is lost, erasure by number and username lookups work
with the new key; every refusal and a failure half-way change nothing."""

from __future__ import annotations

import asyncio
import http.server
import json
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from constants import SECRET
from cryptography.fernet import InvalidToken
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.campaigns.loader import load_campaign
from bot.catalogue import Catalogue
from bot.contacts_import import import_file
from bot.conversation import ConversationService
from bot.errors import KeyRefused, NoSecret
from bot.launch.running import launch
from bot.privacy import pseudonym, vault_cipher
from bot.privacy.erasure import NotHeld, erase_residents, find_residents, holdings
from bot.privacy.rotation import answering, pseudonym_tables, rotate_key, wrong_key
from bot.stack import free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.inbox import InboxRepository
from bot.store.models import (
    AuditEntry,
    Contact,
    FollowUp,
    FollowUpSend,
    InboxClaim,
    Participant,
    Response,
    utcnow,
)
from bot.store.repository import CampaignRepository
from bot.store.tracker_store import PrivateSQLTrackerStore
from bot.store.vault import ContactVault
from bot.test_senders import sender_for

ROOT = Path(__file__).resolve().parents[2]
NEW = "a-new-secret-key-for-the-rotation-test"
SLUG = "buses-2026"
# (channel, address as the channel gives it) of the residents who talk to the bot
TALKERS = {"sms": ("twilio_sms", "+447700900123"), "whatsapp": ("twilio_whatsapp", "+447700900124"),
           "telegram": ("telegram", "4455667788")}
USERNAME = "Sam_Smith"
TEST_SENDER = ("rest", sender_for("officer-try-it-0123456789"))
IMPORTED = "Name,phone\nAnn,+44 7700 900123\nCat,0044 7700 900125\nDan,(07700) 900-126\n"


def say(service: ConversationService, factory, channel: str, name: str, text: str,
        number: list[int]) -> None:
    """One message as a provider channel records it (inbox row), then handled."""
    number[0] += 1
    with transaction(factory) as session:
        row, _ = InboxRepository(session).record("telegram" if channel == "telegram" else "twilio",
                                                 f"M{number[0]}", channel, name, "text", text)
    service.handle(name, channel, text, inbox_id=row.id)


def fill(url: str, tmp_path: Path) -> dict[str, str]:
    """A database as a running bot leaves it; the old pseudonym of each resident by label."""
    factory = session_factory(url)
    with transaction(factory) as session:
        CampaignRepository(session).publish(load_campaign(ROOT / "campaigns" / f"{SLUG}.yml"))
    people = tmp_path / "residents.csv"
    people.write_text(IMPORTED, encoding="utf-8")
    import_file(factory, SECRET, people, "sms", "Library sign-up sheet", group="residents")
    launch(factory, SLUG, "residents", enqueue=lambda *_: None, queue_anyway=True, env={})
    service, names, number = ConversationService(factory, Catalogue(check_every=0)), {}, [0]
    for label, (channel, address) in TALKERS.items():
        with transaction(factory) as session:
            vault = ContactVault(session, SECRET)
            names[label] = vault.remember(channel, address)
            if channel == "telegram":
                vault.remember_handle(names[label], USERNAME)
        for text in ("BUSES", "1", "YES", "ok", "2"):
            say(service, factory, channel, names[label], text, number)
    with transaction(factory) as session:
        names["test"] = ContactVault(session, SECRET).remember(*TEST_SENDER)
        session.add(InboxClaim(pseudonym=names["sms"], owner="replica-1", expires_at=utcnow()))
        participant = session.query(Participant).filter_by(pseudonym=names["sms"]).one()
        follow = FollowUp(slug=SLUG, messages={"en": "We did it"}, created_by="sam")
        session.add(follow)
        session.flush()
        session.add(FollowUpSend(slug=SLUG, follow_up_id=follow.id, participant_id=participant.id,
                                 pseudonym=names["sms"], channel="twilio_sms"))
        # retention took this one's contact, their answers stay: no address to derive from
        names["unlinked"] = "p_" + "0" * 32
        session.add(Participant(pseudonym=names["unlinked"], campaign_id=participant.campaign_id,
                                channel="twilio_sms", language="en", phase="done", state={}))
        assert session.query(Response).count() >= len(TALKERS), "the residents answered"
    track(url, [names[label] for label in TALKERS])
    return names


def track(url: str, senders: list[str]) -> None:
    """Conversations written by Rasa's own tracker store (ours, as endpoints.yml names it);
    one event's metadata names its sender, as a channel's may."""
    store = PrivateSQLTrackerStore(url=url)

    async def save() -> None:
        for sender in senders:
            tracker = DialogueStateTracker(sender, [])
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered("hello", {"name": "greet"}, metadata={"from": sender}))
            await store.save(tracker)

    asyncio.run(save())
    store.engine.dispose()


def tracked(url: str, sender: str) -> list[str]:
    store = PrivateSQLTrackerStore(url=url)
    tracker = asyncio.run(store.retrieve(sender))
    store.engine.dispose()
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in order: to show that nothing changed."""
    engine = engine_for(url)
    with engine.connect() as connection:
        found = {}
        for table in sorted(sa.inspect(connection).get_table_names()):
            rows = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).all()
            found[table] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                            for row in rows]
    engine.dispose()  # PostgreSQL: no idle connection left for the rotation to refuse
    return found


def all_text(url: str) -> str:
    return json.dumps(snapshot(url), default=lambda v: v.decode("latin-1")
                      if isinstance(v, bytes) else str(v))


def census(url: str, mapping: dict[str, str]) -> Counter:
    """(table, resident, column value) counts, with old pseudonyms written as `mapping`
    says: the same before and after, if every row moved with its resident."""
    counted: Counter = Counter()
    for table, rows in snapshot(url).items():
        for row in rows if table != "audit_log" else ():
            held = tuple(mapping.get(v, v) for v in row
                         if isinstance(v, str) and v.startswith(("p_", "test-")))
            counted[(table, *held)] += 1
    return counted


def rotate(url: str, old: str = SECRET, new: str = NEW, **kwargs):
    engine_for(url).dispose()
    return rotate_key(session_factory(url), old, new, who="alex@council.example", **kwargs)


@pytest.fixture
def filled(db_url, tmp_path):
    return db_url, fill(db_url, tmp_path)


def test_rotation_moves_every_resident_to_the_new_key(filled):
    url, names = filled
    addresses = {label: TALKERS[label] for label in TALKERS} | {"test": TEST_SENDER}
    renamed = {names[label]: pseudonym(NEW, *addresses[label]) for label in TALKERS}
    for number in ("+447700900125", "+447700900126"):  # imported, never wrote
        renamed[pseudonym(SECRET, "twilio_sms", number)] = pseudonym(NEW, "twilio_sms", number)
    rows, before = snapshot(url), census(url, renamed)
    counts = {table: len(found) for table, found in rows.items()}
    dry = rotate(url, dry_run=True)
    assert snapshot(url) == rows  # the dry run changed nothing
    done = rotate(url)
    assert done.as_details() == dry.as_details() and dry.dry_run and not done.dry_run
    assert done.contacts == 6 and done.renamed == 5  # 3 imported (1 also talked), 2 more, 1 test
    assert done.usernames_cleared == 1 and done.unlinked == 1
    assert done.rows["participants"] == len(TALKERS) and done.rows["events"] == 2 * len(TALKERS)
    assert {t: len(r) for t, r in snapshot(url).items()} == {**counts, "audit_log":
                                                              counts["audit_log"] + 1}
    assert census(url, {}) == before  # every row is its resident's, under the new name
    with transaction(session_factory(url)) as session:
        for contact in session.query(Contact):
            address = vault_cipher(NEW).decrypt(contact.address_encrypted).decode()
            with pytest.raises(InvalidToken):
                vault_cipher(SECRET).decrypt(contact.address_encrypted)
            assert contact.pseudonym == ContactVault(session, NEW).pseudonym_for(
                contact.channel, address)
            assert contact.handle_digest is None
        assert session.query(Contact).filter_by(pseudonym=names["test"]).count() == 1
        entry = session.query(AuditEntry).filter_by(action="key-rotate").one()
        assert entry.actor == "alex@council.example"
    text = all_text(url)
    assert not [old for old in renamed if old in text], "an old pseudonym is left somewhere"
    assert names["unlinked"] in text  # kept, and counted as such
    assert SECRET not in json.dumps(entry.details) and NEW not in json.dumps(entry.details)
    assert tracked(url, renamed[names["sms"]]) == ["hello"] and tracked(url, names["sms"]) == []


def test_after_rotation_erasure_and_username_lookups_use_the_new_key(filled):
    url, names = filled
    rotate(url)
    sessions = session_factory(url)
    with pytest.raises(NotHeld):  # the hash was cleared: no old-key match, no wrong person
        find_residents(sessions, NEW, telegram_username=USERNAME)
    with transaction(sessions) as session:  # the resident writes again (bot/channels/common)
        name = ContactVault(session, NEW).remember(*TALKERS["telegram"])
        ContactVault(session, NEW).remember_handle(name, USERNAME)
    assert find_residents(sessions, NEW, telegram_username="@sam_smith") == [name]
    assert name == pseudonym(NEW, *TALKERS["telegram"])
    found = find_residents(sessions, NEW, address="07700 900123", channel="sms")
    assert found == [pseudonym(NEW, *TALKERS["sms"])]
    assert holdings(sessions, found).counts["answers"] >= 1
    erase_residents(sessions, found, "address", who="alex")
    assert holdings(sessions, found).names == []
    assert found[0] not in all_text(url) and names["sms"] not in all_text(url)
    assert holdings(sessions, [pseudonym(SECRET, *TALKERS["sms"])]).names == []


@pytest.mark.parametrize("old, new, words", [
    (SECRET, SECRET, "is the running key"),
    (SECRET, "short-key", "too short: at least 16"),
    (SECRET, NEW + "\n", "starts or ends with a space"),
    (SECRET, None, "ENGAGE_NEW_SECRET_KEY or with --new-key-file"),
    ("the-wrong-old-key-entirely", NEW, "does not open 6 of 6 contact vault entries"),
])
def test_refusals_change_nothing(filled, old, new, words):
    url, _ = filled
    before = snapshot(url)
    with pytest.raises(KeyRefused, match=words) as refused:
        rotate(url, old, new)
    assert "Nothing was changed." in str(refused.value) and NEW not in str(refused.value)
    assert snapshot(url) == before
    with pytest.raises(NoSecret):
        rotate(url, None, NEW)


def test_a_running_stack_or_another_connection_refuses(filled):
    url, _ = filled
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        up = answering({"Rasa": f"http://127.0.0.1:{port}/health",
                        "the console": "http://127.0.0.1:9/health"})
        assert up == ["Rasa"]
        before = snapshot(url)
        with pytest.raises(KeyRefused, match="Rasa still answers: stop every process"):
            rotate(url, running=up)
        assert snapshot(url) == before
    finally:
        server.shutdown()
    if not url.startswith("postgresql"):
        return
    with engine_for(url).connect() as other:  # a replica left running, say
        other.execute(sa.text("SELECT 1"))
        with pytest.raises(KeyRefused, match="1 other connection is open"):
            rotate_key(session_factory(url), SECRET, NEW)
    assert snapshot(url) == before


class Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_a_failure_half_way_rolls_everything_back(filled):
    """A row the database refuses (a participation already held under a resident's new name,
    in the same campaign) fails the rotation after other tables were renamed: all undone."""
    url, names = filled
    with transaction(session_factory(url)) as session:
        taken = session.query(Participant).filter_by(pseudonym=names["whatsapp"]).one()
        session.add(Participant(pseudonym=pseudonym(NEW, *TALKERS["whatsapp"]),
                                campaign_id=taken.campaign_id, channel="twilio_whatsapp",
                                language="en", phase="done", state={}))
    before = snapshot(url)
    with pytest.raises(KeyRefused, match="the database refused .* participants"):
        rotate(url)
    assert snapshot(url) == before
    assert [t.name for t in pseudonym_tables()].index("participants") > 0  # some went first


def engage(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`engage ...` as staff run it, with nothing of the bot answering on its ports."""
    ports = {name: str(free_port()) for name in
             ("ENGAGE_RASA_PORT", "ENGAGE_ACTION_PORT", "ENGAGE_CONSOLE_PORT")}
    return subprocess.run([str(Path(sys.executable).parent / "engage"), *args], cwd=ROOT,
                          env={"ENGAGE_DATABASE_URL": url, "ENGAGE_SECRET_KEY": SECRET,
                               "ENGAGE_ACTOR": "alex", "PATH": str(Path(sys.executable).parent),
                               "ENGAGE_VAR_DIR": str(Path(url.removeprefix("sqlite:///")).parent),
                               **ports, **env},
                          capture_output=True, text=True, timeout=120)


def test_the_command_reads_the_new_key_from_the_environment_or_a_file_never_prints_it(
        sqlite_url, tmp_path):
    with transaction(session_factory(sqlite_url)) as session:
        name = ContactVault(session, SECRET).remember(*TALKERS["sms"])
    engine_for(sqlite_url).dispose()
    dry = engage(sqlite_url, "keys", "rotate", "--dry-run", ENGAGE_NEW_SECRET_KEY=NEW)
    assert dry.returncode == 0, dry.stderr
    assert "Would change (dry run, nothing changed):" in dry.stdout
    assert "residents given a new pseudonym: 1" in dry.stdout
    refused = engage(sqlite_url, "keys", "rotate", ENGAGE_NEW_SECRET_KEY=SECRET)
    assert refused.returncode == 1 and "the new key is the running key" in refused.stderr
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW + "\n", encoding="utf-8")
    done = engage(sqlite_url, "keys", "rotate", "--new-key-file", str(key_file))
    assert done.returncode == 0, done.stderr
    assert "Rotated: every change below is committed." in done.stdout
    assert "put the new key in ENGAGE_SECRET_KEY" in done.stdout
    assert "`engage inbox replay`'s token" in done.stdout
    for result in (dry, refused, done):
        assert NEW not in result.stdout + result.stderr
        assert SECRET not in result.stdout + result.stderr
    with transaction(session_factory(sqlite_url)) as session:
        contact = session.query(Contact).one()
        assert contact.pseudonym == pseudonym(NEW, *TALKERS["sms"]) != name
        assert session.query(AuditEntry).filter_by(action="key-rotate").one().actor == "alex"
    missing = engage(sqlite_url, "keys", "rotate", "--new-key-file", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "cannot read the new key file" in missing.stderr
    stale = engage(sqlite_url, "keys", "check")  # the key was not swapped: do not start
    assert stale.returncode == 1 and "opens 0 of 1 contact vault entries" in stale.stderr
    fits = engage(sqlite_url, "keys", "check", ENGAGE_SECRET_KEY=NEW)
    assert fits.returncode == 0 and "opens all 1 contact vault entries" in fits.stdout


def test_a_process_writing_to_the_sqlite_file_refuses(sqlite_url):
    """Another process in the middle of a write holds SQLite's lock: the rotation waits for
    it (the busy timeout), then refuses in plain words, having changed nothing."""
    with transaction(session_factory(sqlite_url)) as session:
        ContactVault(session, SECRET).remember(*TALKERS["sms"])
    before = snapshot(sqlite_url)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(KeyRefused, match="another process is writing to the database"):
            rotate(sqlite_url)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert snapshot(sqlite_url) == before


def test_the_bot_will_not_start_with_a_key_that_does_not_open_the_vault(sqlite_url):
    with transaction(session_factory(sqlite_url)) as session:
        ContactVault(session, SECRET).remember(*TALKERS["sms"])
    sessions = session_factory(sqlite_url)
    assert wrong_key(sessions, SECRET) is None
    assert rotate_key(sessions, SECRET, NEW, who="alex").renamed == 1
    assert wrong_key(sessions, NEW) is None
    assert "does not open the contact vault" in wrong_key(sessions, SECRET)
    engine_for(sqlite_url).dispose()
    started = engage(sqlite_url, "run", "--model", sys.executable)  # the old key still set
    assert started.returncode == 1
    assert "ENGAGE_SECRET_KEY does not open the contact vault" in started.stderr
    console = subprocess.run([sys.executable, "-m", "bot.process", "console"], cwd=ROOT,
                             env={"ENGAGE_DATABASE_URL": sqlite_url, "ENGAGE_SECRET_KEY": SECRET,
                                  "PATH": str(Path(sys.executable).parent)},
                             capture_output=True, text=True, timeout=120)
    assert console.returncode == 1
    assert "does not open the contact vault" in console.stderr
