"""`engage campaign launch`: who is invited (once each) and who is not (with why), the dry
run that changes nothing, the real run, mistakes, and the progress bar."""

from __future__ import annotations

import io
import threading
from datetime import datetime

import pytest
from launch_helpers import (
    GROUP,
    SECRET,
    SLUG,
    Queue,
    address,
    audience,
    hand_to_providers,
    invitations,
    outbox,
    publish,
    row_counts,
)

from bot.catalogue import Catalogue
from bot.cli import main
from bot.conversation import ConversationService
from bot.launch import running as launching
from bot.launch.eligibility import (
    OPTED_OUT,
    TAKING_PART,
    TELEGRAM_NEVER_WROTE,
    no_template,
    other_channel,
)
from bot.launch.planning import (
    ALREADY_INVITED,
    INVITED_EARLIER,
    MENU,
    LaunchError,
    parse_at,
    parse_rate,
    plan_launch,
)
from bot.launch.running import launch, watch
from bot.store.db import session_factory, transaction
from bot.store.models import AuditEntry, CampaignVersion, Launch

EXPECTED_TARGETS = {("twilio_sms", "en"): 2, ("twilio_sms", "cy"): 1, ("twilio_sms", MENU): 2,
                    ("twilio_whatsapp", "en"): 1, ("telegram", "en"): 1}
EXPECTED_EXCLUDED = {OPTED_OUT: 1, no_template("pl"): 1, TELEGRAM_NEVER_WROTE: 1}


def test_the_plan_counts_who_is_invited_and_who_is_not(factory):
    audience(factory)
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP)
    assert dict(plan.by_channel_and_language()) == EXPECTED_TARGETS
    assert dict(plan.excluded) == EXPECTED_EXCLUDED
    assert len(plan.audience.pseudonyms) == 10


def test_channel_filter_leaves_the_others_out_with_the_reason(factory):
    audience(factory)
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP, channel="telegram")
    assert dict(plan.by_channel_and_language()) == {("telegram", "en"): 1}
    assert plan.excluded[other_channel("telegram")] == 8
    assert plan.excluded[TELEGRAM_NEVER_WROTE] == 1


def test_dry_run_shows_the_figures_and_changes_nothing(env, factory, capsys, monkeypatch):
    audience(factory)
    monkeypatch.setenv("ENGAGE_PRICE_SMS", "0.05")
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert row_counts(factory) == before
    assert "nothing has been queued or changed" in out
    assert "Would invite: 7" in out and "Not invited: 3" in out
    assert "not known: gets the language menu" in out
    assert "1  opted out (said STOP)" in out
    assert "no WhatsApp invitation template for Polski (pl)" in out
    # the English invitation is the consent text alone (it names the council): 1 segment
    assert "en (English): 1 SMS segment(s)" in out
    assert "| Test Council asks about buses. Answers are anonymous." in out
    assert "| Choose your language:" in out
    # 5 SMS x 1 segment x 0.05 + 1 WhatsApp x 0.03 (default); Telegram free
    assert "Estimated cost: about GBP 0.28 (an estimate" in out
    assert "Sending would start now" in out


def test_dry_run_per_language_lines(env, factory, capsys):
    audience(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run",
                 "--rate", "30/min", "--at", "2099-07-01 10:00"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["SMS", "en", "(English)", "2"] for line in lines), lines
    assert any(line.split()[:1] == ["SMS"] and line.endswith(" 2") and "menu" in line
               for line in lines)
    assert any("2099-07-01 10:00 (Europe/London), at most 30 per minute" in line
               for line in lines)


def test_a_launch_queues_one_invitation_per_eligible_contact(factory):
    names = audience(factory)
    queue = Queue()
    result = launch(factory, SLUG, GROUP, by="alex", enqueue=queue)
    rows = invitations(factory)
    assert result.created == 7 == len(rows)
    assert sorted(row.pseudonym for row in rows) == sorted(
        names[key] for key in ("sms-en-1", "sms-en-2", "sms-cy", "sms-unknown", "sms-french",
                               "whatsapp-en", "telegram-wrote"))
    assert {row.status for row in rows} == {"queued"}
    assert {row.launch_id for row in rows} == {result.launch_id}
    assert sorted(queue.calls) == sorted((row.id, row.due_at) for row in rows)
    with transaction(factory) as session:
        [row] = session.query(Launch).all()
        assert (row.created_by, row.audience, row.channel) == ("alex", f"group {GROUP}", None)
        [entry] = session.query(AuditEntry).filter_by(action="launch").all()
        assert (entry.actor, entry.subject) == ("alex", SLUG)
        assert entry.details["new_invitations"] == 7
        assert entry.details["excluded"] == EXPECTED_EXCLUDED


def test_launching_again_invites_nobody_twice(factory):
    audience(factory)
    first, second = Queue(), Queue()
    launch(factory, SLUG, GROUP, enqueue=first)
    result = launch(factory, SLUG, GROUP, enqueue=second)
    assert result.created == 0 and len(invitations(factory)) == 7
    # still waiting (the worker has not run): handed to the queue again, never duplicated
    assert sorted(second.calls) == sorted(first.calls)
    convo = ConversationService(factory, Catalogue(check_every=0))
    for invitation_id, _ in first.calls:
        convo.invite(invitation_id)
    third = Queue()
    result = launch(factory, SLUG, GROUP, enqueue=third)
    assert result.created == 0 and third.calls == [] and result.launch_id is None
    assert result.plan.excluded[ALREADY_INVITED] == 7
    assert len(invitations(factory)) == 7 and len(outbox(factory)) == 7
    assert {row.status for row in invitations(factory)} == {"sent"}


def test_people_already_taking_part_are_left_out(factory):
    names = audience(factory)
    convo = ConversationService(factory, Catalogue(check_every=0))
    convo.handle(names["sms-en-1"], "twilio_sms", "LAUNCHTEST")
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP)
    assert plan.excluded[TAKING_PART] == 1 and len(plan.targets) == 6


def test_a_new_version_invites_nobody_again(factory):
    audience(factory)
    launch(factory, SLUG, GROUP, enqueue=Queue())
    convo = ConversationService(factory, Catalogue(check_every=0))
    for row in invitations(factory):
        convo.invite(row.id)
    publish(factory, thanks={"en": "Thank you.", "cy": "Diolch yn fawr.", "pl": "Dzięki."})
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, GROUP)
    # once per campaign, whatever the version: the reason is the invitation they had
    assert plan.targets == [] and plan.excluded[INVITED_EARLIER] == 7


@pytest.mark.parametrize("launches", [2, 3])
def test_simultaneous_launches_invite_once(db_url, launches):
    factory = session_factory(db_url)
    audience(factory)
    barrier = threading.Barrier(launches)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            launch(session_factory(db_url), SLUG, GROUP, enqueue=Queue())
        except BaseException as error:  # noqa: BLE001 reported below
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(launches)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert errors == []
    rows = invitations(factory)
    assert len(rows) == 7 == len({row.pseudonym for row in rows})


def test_at_is_in_the_campaign_s_time_zone(factory):
    audience(factory)
    queue = Queue()
    result = launch(factory, SLUG, GROUP, at="2099-07-01 10:00", rate="100/h", enqueue=queue)
    assert result.due_at == datetime(2099, 7, 1, 9, 0)  # British Summer Time
    assert {due for _, due in queue.calls} == {datetime(2099, 7, 1, 9, 0)}
    assert {row.due_at for row in invitations(factory)} == {datetime(2099, 7, 1, 9, 0)}
    with transaction(factory) as session:
        assert session.query(Launch.rate_per_second).scalar() == pytest.approx(100 / 3600)


def test_a_csv_audience_finds_imported_contacts_on_every_channel(factory, tmp_path):
    names = audience(factory)
    path = tmp_path / "people.csv"
    sms, whatsapp = address("twilio_sms", 1), address("twilio_whatsapp", 1)
    path.write_text(f"name,phone\nAnn,{sms.replace('+44', '0')}\nBo,{whatsapp[9:]}\n"
                    f"Cy,{address('telegram', 1)}\n\nDi,{sms}\n", encoding="utf-8")
    with transaction(factory) as session:
        plan = plan_launch(session, SLUG, str(path), secret=SECRET)
    assert plan.audience.unknown == []
    assert sorted(target.pseudonym for target in plan.targets) == sorted(
        [names["sms-en-1"], names["whatsapp-en"], names["telegram-wrote"]])


def test_unknown_rows_are_listed_and_nothing_is_queued(env, factory, tmp_path, capsys):
    audience(factory)
    path = tmp_path / "people.csv"
    path.write_text(f"phone\n{address('twilio_sms', 1)}\n+447700900444\nnot a number\n",
                    encoding="utf-8")
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: 2 row(s) of the file are not imported contacts, so nothing "
                          "was queued:")
    assert "line 3: '+447700900444'" in err and "line 4: 'not a number'" in err
    assert "engage contacts import" in err
    assert row_counts(factory) == before


@pytest.mark.parametrize(("content", "message"), [
    (b"phone\n+447700900001\n+4477\x00009\n", "line 3"),  # a NUL byte
    (b"phone\n" + b"7" * 200_000 + b"\n", "line 2"),  # one field of 200 KB
    (b"phone\n\xff\xfe+44\n", "UTF-8"),
], ids=["nul", "huge-field", "not-utf8"])
def test_a_hostile_audience_file_is_a_plain_error(env, factory, tmp_path, capsys, content,
                                                  message):
    audience(factory)
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", str(path), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err and "Traceback" not in err, err
    assert row_counts(factory) == before


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--audience", GROUP], "no campaign called 'nope'"),
    ([SLUG, "--audience", "nobody"], "no contact group or file called 'nobody'"),
    ([SLUG, "--audience", "missing.csv"], "no such file: missing.csv"),
    ([SLUG, "--audience", GROUP, "--at", "2020-01-01 10:00"], "--at 2020-01-01 10:00 has "
                                                              "already passed"),
    ([SLUG, "--audience", GROUP, "--at", "tomorrow"], "--at 'tomorrow' is not a date"),
    ([SLUG, "--audience", GROUP, "--rate", "fast"], "--rate 'fast' is not a rate"),
    ([SLUG, "--audience", GROUP, "--rate", "0/s"], "--rate '0/s' is not a rate"),
    ([SLUG, "--audience", GROUP, "--channel", "fax"], "--channel 'fax' is not a channel"),
    ([SLUG, "--audience", GROUP, "--dry-run", "--rate", "1/fortnight"], "is not a rate"),
])
def test_mistakes_change_nothing(env, factory, capsys, args, message):
    audience(factory)
    before = row_counts(factory)
    assert main(["campaign", "launch", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err, err
    assert row_counts(factory) == before


def test_a_closed_campaign_cannot_be_launched(env, factory, capsys):
    audience(factory)
    with transaction(factory) as session:
        session.query(CampaignVersion).update({"status": "closed"})
    before = row_counts(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 1
    assert "is closed" in capsys.readouterr().err
    assert row_counts(factory) == before


def test_the_command_watches_until_the_provider_has_them(env, factory, capsys, monkeypatch,
                                                         fake_twilio, fake_telegram):
    audience(factory)
    convo = ConversationService(factory, Catalogue(check_every=0))

    def worker_and_bot(invitation_id: int, _due: object) -> None:
        convo.invite(invitation_id)  # the worker's part, through the service
        hand_to_providers(factory)  # the bot's sender hands the message to the provider

    monkeypatch.setattr(launching, "default_enqueue", worker_and_bot)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 0
    captured = capsys.readouterr()
    assert "Launched launch-test version 1 to group library-nov: 7 new invitation(s); " \
           "3 left out." in captured.out
    assert "Done: 7 invitation(s) sent (handed to the phone company or app), 0 failed." \
        in captured.out
    assert "7/7  sent 7  failed 0  queued 0" in captured.err
    assert {row.status for row in outbox(factory)} == {"sent"}
    assert len(fake_twilio.accepted) == 6 and len(fake_telegram.calls("sendMessage")) == 1


def test_a_provider_refusal_is_a_failure_with_its_reason(env, factory, capsys, monkeypatch,
                                                          fake_twilio, fake_telegram):
    audience(factory)
    convo = ConversationService(factory, Catalogue(check_every=0))
    fake_twilio.fail_next(400, code=21614, message="'To' number is not a valid mobile number")

    def worker_and_bot(invitation_id: int, _due: object) -> None:
        convo.invite(invitation_id)
        hand_to_providers(factory)

    monkeypatch.setattr(launching, "default_enqueue", worker_and_bot)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 0
    out = capsys.readouterr().out
    assert "Done: 6 invitation(s) sent (handed to the phone company or app), 1 failed:" in out
    assert ("1  Twilio 400 (code 21614): Unable to create record: 'To' number is not a valid "
            "mobile number") in out


def test_no_wait_and_a_later_start_do_not_wait(env, factory, capsys):
    audience(factory)
    launching_calls = Queue()
    original = launching.default_enqueue
    launching.default_enqueue = launching_calls
    try:
        assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--channel", "sms",
                     "--no-wait"]) == 0
        assert "The worker is sending them" in capsys.readouterr().out
        assert main(["campaign", "launch", SLUG, "--audience", GROUP,
                     "--at", "2099-01-01 09:00"]) == 0
        assert "The worker sends them from 2099-01-01 09:00 (Europe/London)" in \
            capsys.readouterr().out
    finally:
        launching.default_enqueue = original
    assert len(launching_calls.calls) == 5 + 7  # the SMS ones again, still waiting, and all


def test_ctrl_c_leaves_the_work_to_the_worker(env, factory, capsys, monkeypatch):
    audience(factory)
    monkeypatch.setattr(launching, "default_enqueue", Queue())

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(launching, "watch", interrupted)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 0
    assert "Stopped watching. The worker carries on sending" in capsys.readouterr().err


def test_a_stalled_launch_says_whether_the_worker_or_the_bot_is_missing(factory, fake_twilio,
                                                                         fake_telegram):
    audience(factory)
    result = launch(factory, SLUG, GROUP, enqueue=Queue())
    convo = ConversationService(factory, Catalogue(check_every=0))
    ticks = iter(range(0, 10_000))
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        step = next(ticks)
        if step == 40:  # the worker starts after 40 seconds: the service queues them
            for invitation_id in result.invitation_ids:
                convo.invite(invitation_id)
        if step == 80:  # the bot's sender only 40 seconds later
            hand_to_providers(factory)

    out = io.StringIO()
    progress = watch(factory, result.invitation_ids, result.plan, out=out, sleep=sleep,
                     clock=lambda: now[0])
    text = out.getvalue()
    assert (progress.sent, progress.failed, progress.total) == (7, 0, 7)
    assert text.count("Is the worker running?") == 1
    assert "`make run`" in text and "`engage worker`" in text
    # queued by the service is not sent: the bar waits for the provider, and says who to ask
    assert text.count("7 invitation(s) are with the bot but not handed to the provider") == 1
    lines = text.splitlines()
    assert lines[0].endswith("0/7  sent 0  failed 0  queued 7")
    assert lines[-1].endswith("7/7  sent 7  failed 0  queued 0")
    assert not any("sent 7" in line for line in lines[:-1])


@pytest.mark.parametrize(("text", "per_second"), [
    ("1/s", 1.0), ("30/min", 0.5), ("100/h", 100 / 3600), ("2/sec", 2.0), ("90/minute", 1.5),
    (" 3 / hours ", 3 / 3600), ("0.5/s", 0.5)])
def test_rates(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


def test_at_in_winter_is_greenwich_time():
    assert parse_at("2099-12-01 10:00", "Europe/London") == datetime(2099, 12, 1, 10, 0)
    with pytest.raises(LaunchError, match="time zone 'Mars/Base'"):
        parse_at("2099-12-01 10:00", "Mars/Base")


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["campaign", "launch", "--help"])
    out = capsys.readouterr().out
    assert "example:\n  engage campaign launch buses-2026 --audience library-nov --dry-run" in out
    assert '--at "2026-12-01 10:00"' in out and "--rate 30/min" in out
    for option in ("--audience", "--channel", "--at", "--rate", "--dry-run", "--no-wait", "--by",
                   "--reinvite", "--queue-anyway"):
        assert option in out


def test_an_unreachable_queue_says_the_invitations_are_saved(env, factory, capsys, monkeypatch):
    audience(factory)

    def down(invitation_id: int, due_at: datetime | None) -> None:
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(launching, "default_enqueue", down)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: the invitations are saved, but the task queue did not take "
                          "them (Connection refused)")
    assert "within a few minutes" in err
    assert len(invitations(factory)) == 7  # kept: the worker's sweep sends them
