"""DELETE over SMS, WhatsApp and Telegram, end to end, on SQLite and on PostgreSQL: signed
webhooks into the running stack, the confirmation out through the real clients to the fake
provider, and then nothing of the resident's left in any table, Rasa's `events` included."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from constants import SECRET
from databases import fresh_postgres_database
from fakes.signing import telegram_text_update
from provider_stack import Provider, provider_stack, wait_for

from bot.engine import phrase
from bot.privacy import pseudonym
from bot.store.db import transaction
from bot.store.models import (
    CampaignVersion,
    ContactGroupMember,
    ContactSource,
    Erasure,
    Invitation,
)

pytestmark = pytest.mark.rasa

# Every table that may name a resident, and Rasa's tracker store.
TABLES = ("participants", "contacts", "inbox", "outbox", "invitations",
          "contact_group_members", "contact_sources")
CONVERSATION = ["BUSES", "1", "YES", "OK", "1", "the bus is near my house"]
_update_ids = itertools.count(50_000)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def provider(request: pytest.FixtureRequest, rasa_model: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    workdir = tmp_path_factory.mktemp(f"erasure-{request.param}")
    if request.param == "sqlite":
        with provider_stack(rasa_model, workdir) as running:
            yield running
        return
    postgres_url = request.getfixturevalue("postgres_url")
    with fresh_postgres_database(postgres_url, "engage_e2e") as url, \
            provider_stack(rasa_model, workdir, database_url=url) as running:
        yield running


@dataclass
class Resident:
    """One resident on one provider channel: how they write, what reaches them."""

    name: str
    post: Callable[[str], int]
    received: Callable[[], list[str]]
    sent: int = 0

    def send(self, text: str) -> int:
        self.sent += 1
        return self.post(text)


def resident(provider: Provider, channel: str, number: int) -> Resident:
    phone = f"+4477009007{number:02d}"
    if channel == "twilio_sms":
        return Resident(pseudonym(SECRET, channel, phone), lambda t: provider.sms(phone, t),
                        lambda: provider.sms_to(phone))
    if channel == "twilio_whatsapp":
        return Resident(pseudonym(SECRET, channel, phone),
                        lambda t: provider.whatsapp(phone, t),
                        lambda: provider.whatsapp_to(phone))
    chat = 880000 + number
    return Resident(pseudonym(SECRET, channel, str(chat)),
                    lambda t: provider.tg(telegram_text_update(chat, t,
                                                               update_id=next(_update_ids))),
                    lambda: [m["text"] for m in provider.telegram_to(chat)])


def talk(provider: Provider, person: Resident, texts: list[str]) -> None:
    """Each message applied and its replies sent before the next."""
    for text in texts:
        assert person.send(text) == 200
        wait_for(lambda: provider.settled(person.name, person.sent))


def imported(provider: Provider, name: str, channel: str) -> None:
    """What an import and a launch leave about a contact: a group, a source, an invitation."""
    with transaction(provider.factory()) as session:
        version = session.query(CampaignVersion.id).filter_by(slug="buses-2026").scalar()
        session.add(ContactGroupMember(group_name="library", pseudonym=name))
        session.add(ContactSource(pseudonym=name, source="library sign-up sheet",
                                  imported_by="sam"))
        session.add(Invitation(campaign_id=version, pseudonym=name, channel=channel,
                               status="sent"))


def held(provider: Provider, name: str) -> dict[str, int]:
    """Rows that name this pseudonym, table by table, and its tracker events."""
    engine = sa.create_engine(provider.stack.config.database_url)
    counts = {}
    with engine.connect() as connection:
        for table in TABLES:
            counts[table] = connection.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE pseudonym = :p"), {"p": name}).scalar()
        counts["events"] = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :p"), {"p": name}).scalar()
        counts["responses"], counts["consent_records"] = (
            connection.execute(sa.text("SELECT count(*) FROM responses")).scalar(),
            connection.execute(sa.text("SELECT count(*) FROM consent_records")).scalar())
    engine.dispose()
    return counts


def answered_by(provider: Provider, name: str) -> tuple[int, int]:
    """This resident's responses and consent records (by their participations)."""
    engine = sa.create_engine(provider.stack.config.database_url)
    with engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM participants WHERE pseudonym = :p"),
                                 {"p": name}).scalars().all()
        counts = tuple(connection.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE participant_id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids or [-1]}).scalar()
            for table in ("responses", "consent_records"))
    engine.dispose()
    return counts


def erased(provider: Provider, name: str) -> bool:
    counts = held(provider, name)
    return all(counts[table] == 0 for table in (*TABLES, "events"))


def erasures(provider: Provider) -> int:
    with transaction(provider.factory()) as session:
        return session.query(Erasure).count()


@pytest.mark.parametrize(("channel", "number"), [("twilio_sms", 1), ("twilio_whatsapp", 2),
                                                 ("telegram", 3)])
def test_delete_erases_everything_and_the_confirmation_arrives(provider, channel, number):
    person = resident(provider, channel, number)
    talk(provider, person, CONVERSATION[:1])
    imported(provider, person.name, channel)
    talk(provider, person, CONVERSATION[1:])
    assert answered_by(provider, person.name) == (2, 1)  # travel mode and its why; consent
    before = held(provider, person.name)
    assert all(before[table] > 0 for table in (*TABLES, "events")), before
    done = erasures(provider)

    assert person.send("DELETE") == 200
    wait_for(lambda: person.received()[-1].startswith("Your answers are deleted."))
    wait_for(lambda: erased(provider, person.name))
    assert person.received()[-1] == ("Your answers are deleted. You will get no more messages "
                                     "from us.\nTo take part again, text BUSES.")
    assert held(provider, person.name) == {**{table: 0 for table in (*TABLES, "events")},
                                           "responses": before["responses"] - 2,
                                           "consent_records": before["consent_records"] - 1}
    assert erasures(provider) == done + 1


def test_help_and_delete_after_stop_are_answered_and_done(provider):
    person = resident(provider, "twilio_sms", 4)
    talk(provider, person, ["BUSES", "2", "ie", "STOP", "helo"])  # "helo": no answer
    stopped = len(person.received())
    assert person.received()[-1] == phrase("opted_out", "cy")
    talk(provider, person, ["HELP"])
    assert person.received()[stopped:] == [phrase("help_stopped", "cy")]
    assert person.send("DILEU") == 200
    wait_for(lambda: erased(provider, person.name))
    assert person.received()[-1] == phrase("erased", "cy")
    assert len(person.received()) == stopped + 2
