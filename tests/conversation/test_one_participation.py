"""One participation per resident per campaign version: switching campaigns and back, coming
back after STOP or a refusal, and two messages racing all leave one row (the unique
constraint enforces it), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from conversation_helpers import PARKS, participants, publish, service

from bot.store.db import session_factory, transaction
from bot.store.models import ConsentRecord, Response


def talk(convo, name: str, *texts: str) -> list[str]:
    replies: list[str] = []
    for text in texts:
        replies = convo.handle(name, "rest", text).messages
    return replies


def answers(factory, participant_id: int) -> dict[str, object]:
    with transaction(factory) as session:
        return {r.step_id: r.value for r in session.query(Response)
                .filter_by(participant_id=participant_id)}


def test_switching_to_another_campaign_and_back_resumes_the_first(any_factory):
    factory = any_factory
    publish(factory)
    publish(factory, PARKS)
    convo = service(factory)
    talk(convo, "p_sam", "TESTALL", "1", "yes", "ok", "1")  # bus, now asked why
    asked = talk(convo, "p_sam", "PARKS")  # part-way: asked first
    assert asked == ["PARKS is a different survey.\n1 Start PARKS\n2 Carry on with this one"]
    talk(convo, "p_sam", "1", "1")  # start it; English: asked consent for parks
    back = talk(convo, "p_sam", "TESTALL")
    assert back[0].startswith("You are already taking part.\nWhy is that?")
    talk(convo, "p_sam", "It is near")  # the why: to TESTALL, where they are now
    rows = participants(factory, "p_sam")
    assert sorted(p.campaign.slug for p in rows) == ["parks-2026", "test-all-steps"]
    [testall] = [p for p in rows if p.campaign.slug == "test-all-steps"]
    assert answers(factory, testall.id) == {"travel_mode": "bus", "travel_mode.why": "It is near"}
    assert testall.state["step_id"] == "fare_cost"
    # and back to parks, where they had not yet agreed (asked first again: part-way here)
    assert talk(convo, "p_sam", "PARKS", "1")[0].startswith("You are already taking part.")
    assert len(participants(factory, "p_sam")) == 2


@pytest.mark.parametrize("before", [["1", "yes", "ok", "2", "far away", "STOP"], ["1", "no"]],
                         ids=["after-stop", "after-no"])
def test_coming_back_starts_the_same_row_afresh(any_factory, before):
    factory = any_factory
    publish(factory)
    convo = service(factory)
    talk(convo, "p_ann", "TESTALL", *before)
    [ended] = participants(factory, "p_ann")
    assert ended.status in ("opted_out", "declined")
    assert talk(convo, "p_ann", "TESTALL")[0].startswith("Choose your language:")
    [again] = participants(factory, "p_ann")
    assert again.id == ended.id and again.status == "in_progress"
    assert again.consent == "none" and again.phase == "choosing_language"
    assert answers(factory, again.id) == {}  # nothing of the old participation carried over
    talk(convo, "p_ann", "1", "yes", "ok", "1")
    assert answers(factory, again.id) == {"travel_mode": "bus"}
    with transaction(factory) as session:
        decisions = [c.decision for c in session.query(ConsentRecord).order_by(ConsentRecord.id)]
    assert decisions == ["given" if "yes" in before else "declined", "given"]  # history kept


def test_start_after_stop_keeps_one_row(any_factory):
    factory = any_factory
    publish(factory)
    convo = service(factory)
    talk(convo, "p_bo", "TESTALL", "1", "yes", "STOP")
    assert talk(convo, "p_bo", "START")[0].startswith("Choose your language:")
    [row] = participants(factory, "p_bo")
    assert row.status == "in_progress" and row.phase == "choosing_language"


@pytest.mark.parametrize("threads", [2, 4])
def test_messages_racing_to_join_make_one_row_and_no_error(db_url, threads):
    factory = session_factory(db_url)
    publish(factory)
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    replies: list[list[str]] = []

    def run() -> None:
        convo = service(session_factory(db_url))
        barrier.wait()
        try:
            replies.append(convo.handle("p_racer", "rest", "TESTALL").messages)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert len(replies) == threads and all(replies)
    assert len(participants(factory, "p_racer")) == 1
