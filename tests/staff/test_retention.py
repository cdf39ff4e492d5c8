"""Retention purge, on a controllable clock, against real SQLite and PostgreSQL.

Two campaigns: `short` keeps answers 30 days, `long` 365. Rows are written with explicit
timestamps relative to NOW, then purged at NOW; the test names exactly what must be left.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.privacy.retention import PurgeReport, purge
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import (
    AuditEntry,
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    Erasure,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
)

NOW = datetime(2026, 6, 1, 12, 0)
EVENTS_DDL = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) "
              "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, data TEXT)")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def factory(db_url: str):
    return session_factory(db_url)


class World:
    """Builds rows with explicit timestamps."""

    def __init__(self, session) -> None:
        self.session = session
        self.campaigns: dict[str, CampaignVersion] = {}
        self.event_id = 0

    def campaign(self, slug: str, retention_days: int) -> CampaignVersion:
        row = CampaignVersion(slug=slug, version=1, checksum=slug, status="live",
                              published_at=ago(1000), definition={"id": slug,
                                                                  "retention_days": retention_days})
        self.session.add(row)
        self.session.flush()
        self.campaigns[slug] = row
        return row

    def participant(self, name: str, slug: str, started: float, updated: float | None = None,
                    completed: float | None = None, answers: dict[str, float] | None = None,
                    consent: str = "given", wrote: float | None = None,
                    silent: bool = False) -> Participant:
        """`updated`: the row last changed; `wrote`: the resident last wrote (default: then
        too); `silent`: invited, never wrote."""
        campaign = self.campaigns[slug]
        updated = updated if updated is not None else started
        wrote = wrote if wrote is not None else updated
        row = Participant(pseudonym=name, campaign_id=campaign.id, channel="sms", language="en",
                          phase="done" if completed is not None else "in_step", state={},
                          consent=consent, status="in_progress", started_at=ago(started),
                          updated_at=ago(updated),
                          last_message_at=None if silent else ago(wrote),
                          completed_at=None if completed is None else ago(completed))
        self.session.add(row)
        self.session.flush()
        self.session.add(ConsentRecord(participant_id=row.id, campaign_id=campaign.id,
                                       consent_version="v1", decision=consent, channel="sms",
                                       language="en", decided_at=ago(started)))
        for step, days in (answers or {}).items():
            self.session.add(Response(participant_id=row.id, campaign_id=campaign.id, step_id=step,
                                      raw_text="1", value="a", language="en",
                                      answered_at=ago(days)))
        return row

    def contact(self, name: str, created: float = 500, opted_out: bool = False) -> None:
        self.session.add(Contact(pseudonym=name, channel="sms", address_encrypted=b"sealed",
                                 created_at=ago(created),
                                 opted_out_at=ago(created) if opted_out else None))

    def events(self, name: str, *days: float) -> None:
        for day in days:
            self.event_id += 1
            moment = ago(day).replace(tzinfo=timezone.utc).timestamp()
            self.session.execute(sa.text(
                "INSERT INTO events (id, sender_id, type_name, timestamp, data) "
                "VALUES (:i, :s, 'user', :t, '{}')"), {"i": self.event_id, "s": name, "t": moment})

    def inbox(self, name: str, days: float, status: str = "processed") -> None:
        self.session.add(InboxMessage(provider="twilio", provider_message_id=f"SM{uuid.uuid4().hex}",
                                      channel="sms", pseudonym=name, body="1", status=status,
                                      received_at=ago(days), next_attempt_at=ago(days)))

    def outbox(self, name: str, days: float, status: str = "sent") -> None:
        self.session.add(OutboxMessage(channel="sms", pseudonym=name, body="Thanks", status=status,
                                       created_at=ago(days), next_attempt_at=ago(days),
                                       updated_at=ago(days)))


def build(factory) -> None:
    with transaction(factory) as session:
        session.execute(sa.text(EVENTS_DDL))
        world = World(session)
        world.campaign("short", 30)
        world.campaign("long", 365)
        # short: finished 50 days ago -> everything about them goes (recent chatter stays).
        world.participant("p_gone", "short", started=60, updated=50, completed=50,
                          answers={"q1": 55, "q2": 50})
        world.contact("p_gone")
        world.events("p_gone", 55, 40, 5)
        world.inbox("p_gone", 55)
        world.inbox("p_gone", 5)
        world.outbox("p_gone", 55)
        # short: declined consent long ago, no answers -> participation and consent go.
        world.participant("p_declined", "short", started=45, consent="declined")
        # short: one old answer, one recent -> only the old answer goes.
        world.participant("p_mixed", "short", started=40, updated=10, answers={"q1": 35, "q2": 10})
        world.contact("p_mixed")
        world.events("p_mixed", 35)
        # short: started long ago, nothing answered, but still talking -> kept.
        world.participant("p_active", "short", started=45, updated=1)
        # short: answered recently -> kept.
        world.participant("p_recent", "short", started=5, answers={"q1": 5})
        # long: another campaign's answers, as old as p_gone's -> kept.
        world.participant("p_long", "long", started=60, completed=50, answers={"q1": 55})
        world.contact("p_long")
        world.events("p_long", 55)
        world.inbox("p_long", 400)
        world.inbox("p_long", 100)
        world.outbox("p_long", 400)
        world.outbox("p_long", 100)
        # in both: the short participation goes, the long one (and their events, contact) stay.
        world.participant("p_both", "short", started=60, completed=50, answers={"q1": 55})
        world.participant("p_both", "long", started=60, completed=50, answers={"q1": 55})
        world.contact("p_both")
        world.events("p_both", 55)
        # vault entries without participation
        world.contact("p_grouped")
        session.add(ContactGroupMember(group_name="estate", pseudonym="p_grouped", added_at=ago(500)))
        world.contact("p_invited")
        session.add(Invitation(campaign_id=world.campaigns["long"].id, pseudonym="p_invited",
                               channel="sms", status="queued", due_at=NOW + timedelta(days=1),
                               queued_at=ago(1)))
        world.contact("p_was_invited")
        session.add(Invitation(campaign_id=world.campaigns["long"].id, pseudonym="p_was_invited",
                               channel="sms", status="sent", due_at=ago(400), queued_at=ago(400)))
        world.contact("p_opted_out", opted_out=True)
        world.contact("p_texting", created=0)
        world.inbox("p_texting", 0, status="pending")
        world.contact("p_orphan")
        # a sender Rasa knows who never took part
        world.events("p_stranger", 400, 100)
        session.add(Erasure(campaign_slug="short", requested_by="resident", erased_at=ago(900)))
        session.add(AuditEntry(actor="alice", action="export", subject="short", details={},
                               at=ago(900)))


def snapshot(factory) -> dict[str, list]:
    with transaction(factory) as session:
        def rows(query):
            return sorted(tuple(row) for row in query)

        return {
            "responses": rows(session.query(Participant.pseudonym, Participant.campaign_id,
                                            Response.step_id).join(Response)),
            "participants": rows(session.query(Participant.pseudonym, Participant.campaign_id)),
            "consent": rows(session.query(Participant.pseudonym, ConsentRecord.campaign_id)
                            .join(ConsentRecord)),
            "contacts": rows(session.query(Contact.pseudonym)),
            "events": rows(session.execute(sa.text("SELECT sender_id, id FROM events"))),
            "inbox": rows(session.query(InboxMessage.pseudonym, InboxMessage.received_at)),
            "outbox": rows(session.query(OutboxMessage.pseudonym, OutboxMessage.created_at)),
            "groups": rows(session.query(ContactGroupMember.pseudonym)),
            "invitations": rows(session.query(Invitation.pseudonym)),
            "erasures": rows(session.query(Erasure.campaign_slug, Erasure.erased_at)),
            "audit": rows(session.query(AuditEntry.action, AuditEntry.actor)),
        }


def ids(factory) -> dict[str, int]:
    with transaction(factory) as session:
        return {row.slug: row.id for row in session.query(CampaignVersion)}


def test_purge_deletes_exactly_what_is_past_retention(factory):
    build(factory)
    before = snapshot(factory)
    with transaction(factory) as session:
        report = purge(session, NOW, who="tester")
    after = snapshot(factory)
    short, long_ = ids(factory)["short"], ids(factory)["long"]

    assert after["responses"] == sorted([
        ("p_both", long_, "q1"), ("p_long", long_, "q1"), ("p_mixed", short, "q2"),
        ("p_recent", short, "q1")])
    assert after["participants"] == sorted([
        ("p_active", short), ("p_both", long_), ("p_long", long_), ("p_mixed", short),
        ("p_recent", short)])
    assert after["consent"] == after["participants"]
    assert after["contacts"] == sorted((name,) for name in [
        "p_both", "p_grouped", "p_invited", "p_long", "p_mixed", "p_opted_out", "p_texting"])
    # p_gone's events from its participation went, the one from 5 days ago stays; p_stranger's
    # go after the longest retention (365 days); senders with a participant keep theirs.
    assert [sender for sender, _ in after["events"]] == [
        "p_both", "p_gone", "p_long", "p_mixed", "p_stranger"]
    assert after["inbox"] == sorted([("p_gone", ago(5)), ("p_long", ago(100)),
                                     ("p_texting", ago(0))])
    assert after["outbox"] == [("p_long", ago(100))]
    for untouched in ("groups", "invitations", "erasures"):
        assert after[untouched] == before[untouched]
    assert after["audit"] == sorted([("export", "alice"), ("purge", "tester")])

    expected = {"responses": 4, "consent_records": 3, "participants": 3, "events": 3,
                "inbox": 2, "outbox": 2, "contacts": 3}
    assert report.counts() == expected
    with transaction(factory) as session:
        entry = session.query(AuditEntry).filter_by(action="purge").one()
        assert {key: entry.details[key] for key in expected} == expected


def test_dry_run_changes_nothing_and_counts_the_same(factory):
    build(factory)
    before = snapshot(factory)
    with transaction(factory) as session:
        dry = purge(session, NOW, dry_run=True)
    assert snapshot(factory) == before
    assert dry.dry_run and dry.total == 20
    with transaction(factory) as session:
        real = purge(session, NOW)
    assert real.counts() == dry.counts()


def test_second_purge_deletes_nothing_but_is_audited(factory):
    build(factory)
    with transaction(factory) as session:
        assert purge(session, NOW).total > 0
    once = snapshot(factory)
    with transaction(factory) as session:
        again = purge(session, NOW)
    assert again.counts() == PurgeReport().counts()
    twice = snapshot(factory)
    assert twice.pop("audit") == sorted([("export", "alice")] + [("purge", once["audit"][1][1])] * 2)
    once.pop("audit")
    assert twice == once


def test_later_purge_takes_what_has_since_passed_retention(factory):
    build(factory)
    with transaction(factory) as session:
        purge(session, NOW)
    with transaction(factory) as session:
        report = purge(session, NOW + timedelta(days=400))
    after = snapshot(factory)
    assert after["responses"] == after["participants"] == after["consent"] == []
    assert after["events"] == after["inbox"] == after["outbox"] == []
    assert after["contacts"] == [("p_grouped",), ("p_invited",), ("p_opted_out",)]
    assert report.participants == 5 and report.contacts == 4


def test_a_reminder_does_not_postpone_the_purge(factory):
    """Activity is the resident's own messages. A reminder yesterday moved updated_at, but
    the resident last wrote 40 days ago: past the 30 days, their participation goes."""
    with transaction(factory) as session:
        session.execute(sa.text(EVENTS_DDL))
        world = World(session)
        world.campaign("short", 30)
        world.participant("p_reminded", "short", started=45, updated=1, wrote=40)
        world.participant("p_wrote_lately", "short", started=45, updated=1, wrote=2)
        world.participant("p_never_wrote", "short", started=45, updated=1, silent=True)
    with transaction(factory) as session:
        report = purge(session, NOW)
    assert report.participants == 2
    assert snapshot(factory)["participants"] == [("p_wrote_lately", ids(factory)["short"])]


def test_purge_without_campaigns_or_tracker_table(factory):
    with transaction(factory) as session:
        session.add(Contact(pseudonym="p_orphan", channel="sms", address_encrypted=b"x"))
        session.add(InboxMessage(provider="twilio", provider_message_id="SM1", channel="sms",
                                 pseudonym="p_orphan", body="hi", status="processed",
                                 received_at=ago(5000)))
    with transaction(factory) as session:
        report = purge(session, NOW)
    assert report.counts() == {**PurgeReport().counts(), "contacts": 1}  # no period to judge by


def test_engage_purge_command(factory, db_url, monkeypatch, capsys):
    build(factory)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", db_url)
    with pytest.raises(SystemExit):
        main(["purge", "--help"])
    help_text = capsys.readouterr().out
    assert "engage purge --dry-run" in help_text and "every day" in help_text
    before = snapshot(factory)
    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Would delete") and "  responses:" in out
    assert snapshot(factory) == before
    assert main(["purge"]) == 0  # the real clock: 2026-06-01 is well past by then, or not yet
    out = capsys.readouterr().out
    assert out.startswith("Deleted:") or out.startswith("Nothing is past retention")
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("Nothing is past retention")


def test_expired_answers_also_leave_the_saved_conversation_state(tmp_path):
    from datetime import datetime, timedelta

    from bot.privacy.retention import purge
    from bot.store.db import session_factory, transaction
    from bot.store.models import CampaignVersion, Participant, Response

    url = f"sqlite:///{tmp_path / 'state.db'}"
    upgrade(url)
    now = datetime(2027, 6, 1)
    old, recent = now - timedelta(days=40), now - timedelta(days=1)
    with transaction(session_factory(url)) as session:
        version = CampaignVersion(slug="c", version=1, checksum="x",
                                  definition={"retention_days": 30})
        session.add(version)
        session.flush()
        person = Participant(pseudonym="p_1", campaign_id=version.id, channel="rest",
                             language="en", phase="in_step", consent="given",
                             status="in_progress", started_at=old, updated_at=recent,
                             state={"phase": "in_step", "answers": {"q1": "a", "q2": "b"}})
        session.add(person)
        session.flush()
        session.add_all([
            Response(participant_id=person.id, campaign_id=version.id, step_id="q1",
                     raw_text="1", value="a", language="en", answered_at=old),
            Response(participant_id=person.id, campaign_id=version.id, step_id="q2",
                     raw_text="2", value="b", language="en", answered_at=recent),
        ])
    with transaction(session_factory(url)) as session:
        assert purge(session, now).responses == 1
    with transaction(session_factory(url)) as session:
        person = session.query(Participant).one()
        assert person.state["answers"] == {"q2": "b"}
        assert person.updated_at == recent
