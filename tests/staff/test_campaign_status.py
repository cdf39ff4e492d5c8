"""`engage campaign status`: the funnel agrees with the conversations and invitations."""

from __future__ import annotations

import re

import pytest
from test_results import FIXTURE, SLUG, build

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.reports.funnel import collect
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import CampaignVersion, Invitation, OutboxMessage


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    build(url)
    service_factory = session_factory(url)
    with transaction(service_factory) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        rows = [("sent", None)] * 6 + [("failed", "number not in service")] * 2 + \
            [("failed", "blocked by carrier"), ("queued", None)]
        for number, (status, reason) in enumerate(rows):
            session.add(Invitation(campaign_id=version.id, pseudonym=f"inv{number}",
                                   channel="sms", status=status, reason=reason))
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def test_funnel_numbers(db):
    with transaction(session_factory(db)) as session:
        funnel = collect(session, SLUG)
    invitations = funnel.invitations
    # sent: the service queued them (the outbox rows have gone since): no delivery report
    assert (invitations.residents, invitations["sent"], invitations["delivered"],
            invitations["failed"], invitations["queued"]) == (10, 6, 0, 3, 1)
    assert invitations.reasons["failed"] == {"number not in service": 2,
                                             "blocked by carrier": 1}
    # p1..p7 finish; "stopper" agreed then withdrew; "decliner" said no; "midway" is answering.
    # The ten invitations went to contacts who have not replied: none of them has started.
    assert dict(funnel.totals) == {"started": 10, "agreed": 8, "finished": 7, "answering": 1,
                                   "withdrew": 1, "said_no": 1}
    assert funnel.by_channel["telegram"]["finished"] == 2
    assert funnel.by_channel["rest"]["started"] == 8
    assert funnel.by_language["cy"]["finished"] == 1
    assert funnel.by_language["en"]["started"] == 9
    # "midway" chose car and gave a reason: next is the rank step, titled for staff
    assert funnel.waiting_at == [("Priorities", 1)]


def test_delivered_and_failed_follow_the_invitation_s_first_message(db):
    """Handed to the outbox is not sent, and sent is not delivered: the provider's answer on
    the first message decides; a refusal counts as failed with the provider's reason."""
    with transaction(session_factory(db)) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        outcomes = [("delivered", None), ("sent", None), ("queued", None), ("sending", None),
                    ("failed", "Twilio 30003: Unreachable destination handset"),
                    ("undelivered", "Twilio 30005: Unknown destination handset")]
        for number, (status, error) in enumerate(outcomes):
            invitation = Invitation(campaign_id=version.id, pseudonym=f"out{number}",
                                    channel="sms", status="sent")
            session.add(invitation)
            session.flush()
            for part in (0, 1):  # only the first message counts
                session.add(OutboxMessage(
                    channel="twilio_sms", pseudonym=f"out{number}", body="Hello",
                    status=status if part == 0 else "failed", last_error=error,
                    dedupe_key=f"invite:{invitation.id}:{part}"))
    with transaction(session_factory(db)) as session:
        funnel = collect(session, SLUG)
    invitations = funnel.invitations
    assert (invitations.residents, invitations["sent"], invitations["delivered"],
            invitations["queued"], invitations["failed"]) == (16, 7, 1, 3, 5)
    assert invitations.reasons["failed"] == {
        "number not in service": 2, "blocked by carrier": 1,
        "Twilio 30003: Unreachable destination handset": 1,
        "Twilio 30005: Unknown destination handset": 1}


def test_drop_off_lists_each_place_in_campaign_order(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'drop.db'}"
    upgrade(url)
    publish_files([FIXTURE], url)
    service = ConversationService(session_factory(url))
    for name, script in {"a": ["TESTALL"], "b": ["TESTALL", "1"],
                         "c": ["TESTALL", "1", "YES", "ok", "walk"],
                         "d": ["TESTALL", "1", "YES", "ok", "bus", "why"],
                         "e": ["TESTALL", "1", "YES"]}.items():
        for text in script:
            service.handle(name, "rest", text)
    with transaction(session_factory(url)) as session:
        funnel = collect(session, SLUG)
    assert funnel.waiting_at == [("choosing a language", 1), ("deciding on consent", 1),
                                 ("Intro", 1), ("Travel mode: why", 1), ("Fare cost", 1)]


def test_command_prints_the_funnel(db, capsys):
    assert main(["campaign", "status", SLUG]) == 0
    out = capsys.readouterr().out
    assert "invited:   10" in out and "sent:      6" in out and "delivered: 0" in out
    assert "2  number not in service" in out
    assert re.search(r"^      Finished\s+7$", out, re.MULTILINE)
    assert "Finished: agreed and answered to the end" in out
    assert "Telegram" in out and "Welsh (Cymraeg)" in out and "web chat" in out
    assert "1  Priorities" in out
    for internal in ("opted_out", "in_progress", "completed", "twilio_sms", "rest "):
        assert internal not in out


def test_mistakes_and_help(db, capsys):
    assert main(["campaign", "status", "nope"]) == 1
    assert capsys.readouterr().err.startswith("Error: No campaign called 'nope'")
    with pytest.raises(SystemExit):
        main(["campaign", "status", "--help"])
    assert "example:\n  engage campaign status" in capsys.readouterr().out
