"""Erase by Telegram @username: signed webhooks keep only a keyed digest of the username beside
the contact, and `engage erase --telegram-username` finds the resident by it and erases
everything, as erasing by chat id does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from channel_helpers import contacts
from constants import SECRET
from fakes.signing import telegram_start_update, telegram_text_update

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.privacy import handle_digest, pseudonym
from bot.store.db import transaction
from bot.store.models import AuditEntry, Contact, Participant, Response

ROOT = Path(__file__).resolve().parents[2]
CHAT, OTHER_CHAT = 424242, 535353
EVENTS_DDL = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) "
              "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, data TEXT)")


def with_username(update: dict, username: str | None) -> dict:
    message = update["message"]
    if username is None:
        message["from"].pop("username", None)
    else:
        message["from"]["username"] = username
    return update


def digest_of(harness, chat: int) -> str | None:
    name = pseudonym(SECRET, "telegram", str(chat))
    return next((c.handle_digest for c in contacts(harness.factory) if c.pseudonym == name), None)


def test_the_webhook_keeps_a_digest_of_the_username_and_never_the_name(harness):
    update = with_username(telegram_text_update(CHAT, "hello"), "Sam_Smith")
    assert harness.telegram(update).status == 200
    harness.settle()
    [contact] = contacts(harness.factory)
    assert contact.handle_digest == handle_digest(SECRET, "@sam_smith")
    assert contact.handle_digest != handle_digest("another-secret", "sam_smith")
    assert "sam_smith" not in " ".join(str(v) for v in vars(contact).values()).lower()
    # Not the pseudonym's keyed hash either: a distinct key.
    assert contact.handle_digest[:32] != contact.pseudonym.removeprefix("p_")


def test_a_changed_or_removed_username_is_followed(harness):
    harness.telegram(with_username(telegram_text_update(CHAT, "hi"), "old_name"))
    harness.telegram(with_username(telegram_text_update(CHAT, "hi again"), "new_name"))
    harness.settle()
    assert digest_of(harness, CHAT) == handle_digest(SECRET, "new_name")
    # The old name now belongs to someone else: only they are found by it.
    harness.telegram(with_username(telegram_text_update(OTHER_CHAT, "hello"), "New_Name"))
    harness.settle()
    assert digest_of(harness, OTHER_CHAT) == handle_digest(SECRET, "new_name")
    assert digest_of(harness, CHAT) is None
    harness.telegram(with_username(telegram_text_update(OTHER_CHAT, "bye"), None))
    harness.settle()
    assert digest_of(harness, OTHER_CHAT) is None


@pytest.fixture
def talking(harness, env, monkeypatch):
    """The fake Rasa hands each message to the real conversation service, as the action does."""
    publish_files([str(ROOT / "campaigns" / "buses-2026.yml")], env)
    service = ConversationService(harness.factory)

    async def converse(message) -> None:
        await asyncio.to_thread(service.handle, message.sender_id, "telegram", message.text)

    harness.rasa.before = converse
    monkeypatch.setenv("ENGAGE_ACTOR", "sam")
    return harness


def test_erase_by_username_removes_everything_held(talking, capsys):
    harness = talking
    updates = [telegram_start_update(CHAT, "BUSES"), telegram_text_update(CHAT, "1"),
               telegram_text_update(CHAT, "YES"), telegram_text_update(CHAT, "ok"),
               telegram_text_update(CHAT, "2")]
    for update in updates:
        assert harness.telegram(with_username(update, "Sam_Smith")).status == 200
        harness.settle()
    harness.telegram(with_username(telegram_start_update(OTHER_CHAT, "BUSES"), "someone_else"))
    harness.settle()
    name = pseudonym(SECRET, "telegram", str(CHAT))
    with transaction(harness.factory) as session:
        session.execute(sa.text(EVENTS_DDL))
        for sender in (name, "p_someone_else"):
            session.execute(sa.text("INSERT INTO events (sender_id, type_name) VALUES (:s, 'user')"),
                            {"s": sender})
        participant = session.query(Participant).filter_by(pseudonym=name).one()
        assert session.query(Response).filter_by(participant_id=participant.id).count() == 1

    assert main(["erase", "--telegram-username", "@SAM_SMITH"]) == 0
    assert f"Erased everything held about {name}." in capsys.readouterr().out
    with transaction(harness.factory) as session:
        assert session.query(Contact).filter_by(pseudonym=name).count() == 0
        assert session.query(Participant).filter_by(pseudonym=name).count() == 0
        assert session.query(Response).count() == 0
        senders = [s for (s,) in session.execute(sa.text("SELECT sender_id FROM events"))]
        assert senders == ["p_someone_else"]
        assert session.query(Contact).count() == 1  # the other resident is untouched
        [entry] = session.query(AuditEntry).filter_by(action="erase").all()
        assert (entry.actor, entry.details) == ("sam", {"found": True, "by": "telegram_username"})


def test_an_unknown_username_changes_nothing(harness, capsys):
    harness.telegram(with_username(telegram_text_update(CHAT, "hi"), "sam_smith"))
    harness.settle()
    assert main(["erase", "--telegram-username", "@nobody_here"]) == 1
    err = capsys.readouterr().err
    assert "no Telegram contact with that username is held" in err
    assert "nobody_here" not in err  # what staff typed is never repeated
    assert "Nothing was erased" in err
    assert len(contacts(harness.factory)) == 1
    assert main(["erase", "--telegram-username", "@"]) == 1
    assert "give the Telegram username" in capsys.readouterr().err
