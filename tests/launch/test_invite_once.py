"""A resident is invited to a campaign once, whatever its version, unless staff ask for a
re-invitation (`--reinvite`); an invitation that failed before anything was sent is tried again.
Race-safe on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from launch_helpers import (
    GROUP,
    SLUG,
    Queue,
    add_contact,
    audience,
    invitations,
    outbox,
    publish,
    row_counts,
)

from bot.catalogue import Catalogue
from bot.cli import main
from bot.conversation import ConversationService
from bot.launch.planning import INVITED_EARLIER, plan_launch
from bot.launch.running import launch
from bot.store.db import session_factory, transaction
from bot.store.models import CampaignVersion, Invitation


def second_version(factory) -> int:
    """Someone joins by keyword, so that a change makes version 2 (a version nobody has
    joined is changed in place); then only the quiet hours change."""
    walk_in = add_contact(factory, "twilio_sms", 99, "en", group=None)
    ConversationService(factory, Catalogue(check_every=0)).handle(walk_in, "twilio_sms",
                                                                  "LAUNCHTEST")
    version_id = publish(factory, quiet_hours={"start": "22:00", "end": "07:00"})
    with transaction(factory) as session:
        assert session.get(CampaignVersion, version_id).version == 2
    return version_id


def mark_sent(factory) -> None:
    """As the service leaves an invitation it has sent (the resident has not answered)."""
    with transaction(factory) as session:
        session.query(Invitation).update({"status": "sent"})


def test_republishing_does_not_invite_the_same_people_again(env, factory, capsys):
    audience(factory)
    launch(factory, SLUG, GROUP, enqueue=Queue())
    mark_sent(factory)
    second_version(factory)
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would invite: 0" in out, out
    assert f"7  {INVITED_EARLIER}" in out, out
    assert row_counts(factory) == before
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--no-wait"]) == 0
    assert "Nobody to invite" in capsys.readouterr().out
    assert len(invitations(factory)) == 7


def test_invitations_still_waiting_move_to_the_new_version_and_are_not_doubled(factory):
    audience(factory)
    first = Queue()
    launch(factory, SLUG, GROUP, enqueue=first)  # the worker has not sent them yet
    version_2 = second_version(factory)
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP)
    assert (len(plan.new), len(plan.waiting)) == (0, 7)
    again = Queue()
    result = launch(factory, SLUG, GROUP, enqueue=again)
    rows = invitations(factory)
    assert result.created == 0 and len(rows) == 7
    assert {row.campaign_id for row in rows} == {version_2}  # sent as the newest version
    assert sorted(i for i, _ in again.calls) == sorted(i for i, _ in first.calls)


def test_reinvite_invites_again_only_when_asked(env, factory, capsys):
    audience(factory)
    launch(factory, SLUG, GROUP, enqueue=Queue())
    mark_sent(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run",
                 "--reinvite"]) == 0
    out = capsys.readouterr().out
    assert "Would invite: 7 (7 invited before: --reinvite invites them again)" in out, out
    result = launch(factory, SLUG, GROUP, enqueue=Queue(), reinvite=True)
    assert result.created == 7
    rows = invitations(factory)
    assert sorted(row.reinvitation for row in rows) == [0] * 7 + [1] * 7
    # a second --reinvite while those wait sends nobody a third one
    assert launch(factory, SLUG, GROUP, enqueue=Queue(), reinvite=True).created == 0


def test_an_invitation_that_failed_before_sending_is_tried_again(factory):
    audience(factory)
    launch(factory, SLUG, GROUP, enqueue=Queue())
    with transaction(factory) as session:
        session.query(Invitation).update({"status": "failed", "reason": "Rasa refused the "
                                          "API token (401)"})
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP)
    assert (len(plan.new), len(plan.retried)) == (7, 7)
    assert launch(factory, SLUG, GROUP, enqueue=Queue()).created == 7
    assert sorted(row.reinvitation for row in invitations(factory)) == [0] * 7 + [1] * 7


@pytest.mark.parametrize("reinvite", [False, True])
def test_simultaneous_launches_of_a_new_version_invite_once(db_url, reinvite):
    factory = session_factory(db_url)
    audience(factory)
    launch(factory, SLUG, GROUP, enqueue=Queue())
    mark_sent(factory)
    second_version(factory)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            launch(session_factory(db_url), SLUG, GROUP, enqueue=Queue(), reinvite=reinvite)
        except BaseException as error:  # noqa: BLE001 reported below
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert errors == []
    rows = invitations(factory)
    assert len(rows) == (14 if reinvite else 7)
    with transaction(factory) as session:
        per_contact = dict(session.query(Invitation.pseudonym, sa.func.count())
                           .group_by(Invitation.pseudonym).all())
    assert set(per_contact.values()) == {2 if reinvite else 1}


def test_reinvite_reaches_those_invited_who_never_replied_and_nobody_who_did(factory):
    """The point of --reinvite: a fresh invitation for residents who got the first and never
    answered. One who replied (and said no, or took part) is not invited again."""
    publish(factory)
    silent = add_contact(factory, "twilio_sms", 1, "en")
    replied = add_contact(factory, "twilio_sms", 2, "en")
    convo = ConversationService(factory, Catalogue(check_every=0))
    launch(factory, SLUG, GROUP, enqueue=Queue())
    for row in invitations(factory):
        convo.invite(row.id)
    convo.handle(replied, "twilio_sms", "NO")  # replied to the consent question: said no
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP, reinvite=True)
    assert [target.pseudonym for target in plan.targets] == [silent]
    assert launch(factory, SLUG, GROUP, enqueue=Queue(), reinvite=True).created == 1
    [again] = [row for row in invitations(factory) if row.reinvitation == 1]
    assert again.pseudonym == silent
    convo.invite(again.id)
    [sent] = [row for row in invitations(factory) if row.id == again.id]
    assert sent.status == "sent", sent.reason
    assert [row.pseudonym for row in outbox(factory)
            if row.dedupe_key == f"invite:{again.id}:0"] == [silent]
