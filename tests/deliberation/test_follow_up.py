"""Closing the loop, through the real conversation service on a real database: the answer to
the last question is stored apart from consent; staff's message goes to opted-in residents
only, in their language, once each, never to anyone who stopped, withdrew or was erased;
WhatsApp needs a template; the funnel counts who was told."""

from __future__ import annotations

import pytest
from constants import SECRET
from delib_helpers import SLUG, factory, make_db

from bot.conversation import ConversationService
from bot.deliberation import follow_up
from bot.reports import report_html
from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import AuditEntry, FollowUpOptIn, FollowUpSend, OutboxMessage
from bot.store.vault import ContactVault

MESSAGE = {"en": "You said buses. We will run more on Sundays from March.",
           "cy": "Dywedoch chi fysiau. Bydd mwy ar y Sul o fis Mawrth."}


def resident(service, db, name: str, channel: str, wants: str, language: str = "1") -> str:
    """Take part to the end on `channel` and answer the last question; the pseudonym."""
    with transaction(db) as session:
        pseudonym = ContactVault(session, SECRET).remember(channel, f"+4477009{abs(hash(name)) % 100000:05d}")
    said = []
    for text in ("DELIB", language, "YES", "1", "Buses are too rare"):
        said = service.handle(pseudonym, channel, text).messages
    if "1 " in said[-1] and "2 " in said[-1]:  # a reflect step, once five have answered
        service.handle(pseudonym, channel, "2")
    for text in ("more buses", "1"):
        said = service.handle(pseudonym, channel, text).messages
    assert said[-1].endswith("2 No") or said[-1].endswith("2 Nac ydy"), said
    service.handle(pseudonym, channel, wants)
    return pseudonym


@pytest.fixture
def world(tmp_path):
    db = factory(make_db(tmp_path))
    service = ConversationService(db, tally_ttl=0)
    people = {
        "sms": resident(service, db, "sms", "twilio_sms", "1"),
        "welsh": resident(service, db, "welsh", "telegram", "1", language="2"),
        "whatsapp": resident(service, db, "whatsapp", "twilio_whatsapp", "1"),
        "said_no": resident(service, db, "said_no", "twilio_sms", "2"),
        "stopped": resident(service, db, "stopped", "twilio_sms", "1"),
        "erased": resident(service, db, "erased", "twilio_sms", "1"),
        "web": resident(service, db, "web", "rest", "1"),
    }
    service.handle(people["stopped"], "twilio_sms", "STOP")
    with transaction(db) as session:
        erase_pseudonym(session, people["erased"], "staff")
    return db, service, people


def opt_ins(db) -> dict[int, str]:
    with transaction(db) as session:
        return {row.participant_id: row.language for row in session.query(FollowUpOptIn)}


def test_the_last_answer_is_stored_apart_from_consent(world):
    db, _, _ = world
    # yes: sms, welsh (in Welsh), whatsapp, stopped, web; said no and erased: none
    assert sorted(opt_ins(db).values()) == ["cy", "en", "en", "en", "en"]


def test_only_opted_in_residents_who_can_be_written_to_are_planned(world):
    db, _, people = world
    with transaction(db) as session:
        plan = follow_up.plan(session, SLUG, MESSAGE)
    assert sorted(r.pseudonym for r in plan.recipients) == sorted([people["sms"],
                                                                   people["welsh"]])
    assert plan.excluded == {follow_up.WITHDREW: 1, follow_up.WEB_CHAT: 1,
                             follow_up.no_template("en"): 1}
    with transaction(db) as session:
        plan = follow_up.plan(session, SLUG, MESSAGE, {"en": "HX0123456789abcdef"})
    assert people["whatsapp"] in [r.pseudonym for r in plan.recipients]
    text = follow_up.describe(plan)
    assert "Would send \"you said, we did\" to: 3" in text and "1 SMS segment(s)" in text


def test_it_is_sent_once_each_in_their_language_and_never_twice(world):
    db, service, people = world
    queued: list[int] = []
    result = follow_up.send(db, SLUG, MESSAGE, {"en": "HX0123456789abcdef"}, by="kim",
                            enqueue=queued.append)
    assert len(queued) == 3 and queued == result.send_ids
    for send_id in queued:  # what the action does when the worker triggers each
        assert service.follow_up(send_id).messages
        assert service.follow_up(send_id).messages == []  # a second trigger: nothing
    with transaction(db) as session:
        rows = {r.pseudonym: (r.body, r.template, r.quiet_tz, r.dedupe_key) for r in
                session.query(OutboxMessage).filter(OutboxMessage.dedupe_key.like("follow-up:%"))}
        sends = session.query(FollowUpSend).all()
    assert rows[people["sms"]][0] == MESSAGE["en"] and rows[people["sms"]][1] is None
    assert rows[people["welsh"]][0] == MESSAGE["cy"]
    assert rows[people["whatsapp"]][1] == "HX0123456789abcdef"
    assert all(quiet == "Europe/London" for _, _, quiet, _ in rows.values())
    assert {s.status for s in sends} == {"sent"} and len(rows) == 3
    again = follow_up.send(db, SLUG, MESSAGE, {"en": "HX0123456789abcdef"}, enqueue=queued.append)
    assert again.send_ids == [] and len(queued) == 3  # once per resident, whatever message
    assert again.plan.excluded[follow_up.ALREADY] == 3
    with transaction(db) as session:
        found = follow_up.counts(session, SLUG)
        session.query(OutboxMessage).filter(OutboxMessage.dedupe_key.like("follow-up:%")) \
            .update({"status": "sent"}, synchronize_session=False)
    assert (found.opted_in, found.queued, found.told) == (4, 3, 0)  # with the sender still
    with transaction(db) as session:
        found = follow_up.counts(session, SLUG)
        assert [e.action for e in session.query(AuditEntry)] == ["follow-up"]
    assert (found.told, found.queued) == (3, 0)
    with transaction(db) as session:
        page = report_html.render(report_html.gather(session, SLUG, "engage results"))
    assert "Hearing what happened (you said, we did)" in page
    assert "Asked to hear what happened" in page and "Told what happened" in page


def test_the_report_hides_a_small_send_count_and_what_gives_it_away():
    table = report_html.follow_up_table(follow_up.Counts(opted_in=12, queued=0, told=9, failed=3))
    assert ">12<" in table  # who asked is a headline figure
    assert ">9<" not in table and ">3<" not in table  # 12 - 9 - 0 would give the 3 away
    table = report_html.follow_up_table(follow_up.Counts(opted_in=20, queued=6, told=14))
    assert all(f">{n}<" in table for n in (20, 6, 14))


def test_who_stops_or_is_erased_before_the_worker_gets_there_is_not_sent_it(world):
    db, service, people = world
    queued: list[int] = []
    follow_up.send(db, SLUG, MESSAGE, enqueue=queued.append)
    service.handle(people["sms"], "twilio_sms", "STOP")
    with transaction(db) as session:
        erase_pseudonym(session, people["welsh"], "staff")
    for send_id in queued:
        assert service.follow_up(send_id).messages == []
    with transaction(db) as session:
        sends = session.query(FollowUpSend).all()
        assert session.query(OutboxMessage).filter(
            OutboxMessage.dedupe_key.like("follow-up:%")).count() == 0
    assert [(s.status, s.reason) for s in sends] == [("failed", follow_up.OPTED_OUT)]


def test_mistakes_are_refused_and_change_nothing(world, tmp_path):
    db, _, _ = world
    for messages, whatsapp, words in [
        ({"cy": "Dim ond Cymraeg"}, None, "every language of those it goes to: English"),
        ({"en": "x" * 321, "cy": "y"}, None, "keep it to 320"),
        ({"en": " ", "cy": ""}, None, "write the message first"),
        ({"en": "ok", "xx": "?"}, None, "'xx' is not one of the campaign's languages"),
        (MESSAGE, {"en": "not-a-template"}, "approved Content template"),
    ]:
        with pytest.raises(follow_up.FollowUpError, match=words):
            follow_up.send(db, SLUG, messages, whatsapp, enqueue=lambda _: None)
    with pytest.raises(follow_up.FollowUpError, match="rate"):
        follow_up.send(db, SLUG, MESSAGE, rate="fast", enqueue=lambda _: None)
    with pytest.raises(follow_up.FollowUpError, match="no campaign called"):
        follow_up.send(db, "nope", MESSAGE, enqueue=lambda _: None)
    with transaction(db) as session:
        assert session.query(FollowUpSend).count() == 0
        assert session.query(AuditEntry).count() == 0


def test_the_command_dry_run_then_send_and_the_status_counts_it(world, tmp_path, monkeypatch,
                                                                capsys):
    from bot.cli import main

    db, _, _ = world
    monkeypatch.setenv("ENGAGE_DATABASE_URL", str(db.kw["bind"].url))
    message = tmp_path / "said-did.yml"
    message.write_text("en: You said buses. More on Sundays from March.\n"
                       "cy: Dywedoch chi fysiau. Mwy ar y Sul o fis Mawrth.\n", encoding="utf-8")
    assert main(["follow-up", SLUG, "--message-file", str(message), "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "Would send \"you said, we did\" to: 2" in said and "no WhatsApp template" in said
    with transaction(db) as session:
        assert session.query(FollowUpSend).count() == 0
    assert main(["follow-up", SLUG, "--message-file", str(message), "--whatsapp",
                 "en=HX0123456789abcdef", "--rate", "10/min"]) == 0
    assert "Queued \"you said, we did\" for 3 resident(s)" in capsys.readouterr().out
    assert main(["campaign", "status", SLUG]) == 0
    status = capsys.readouterr().out
    assert "Asked to hear what happened       4" in status
    assert "Told what happened                0" in status and "Waiting to be sent" in status
    assert main(["follow-up", SLUG, "--message-file", str(tmp_path / "none.yml")]) == 1
    assert main(["follow-up", SLUG, "--message-file", str(message), "--whatsapp", "en"]) == 1
    assert "should look like en=HX" in capsys.readouterr().err
