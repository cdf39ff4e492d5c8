"""Launching a campaign, end to end: `engage contacts import` and `engage campaign launch`
against the running stack (Rasa with its API on, action server, worker on a SQLite queue), the
fake Twilio and Telegram APIs receiving what residents would. The stack's clock (bot.clock,
used for quiet hours and reminders only) is a file the tests move."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from constants import SECRET
from fakes import TEST_AUTH_TOKEN, sign_twilio_form
from fakes.signing import telegram_text_update
from provider_stack import PUBLIC_URL, THANKS, Provider, provider_stack, wait_for

from bot.clock import write_clock_file
from bot.outbound.providers import STATUS_PATH
from bot.privacy import pseudonym
from bot.store.db import transaction
from bot.store.models import Contact, Invitation, OutboxMessage, Participant
from bot.worker.tasks import remind_due

ROOT = Path(__file__).resolve().parents[2]
MIDDAY = datetime(2026, 11, 24, 12, 0, 0)  # London is on UTC in November
REMINDING = "remind-2026"  # parks-2026 with a one-hour reminder, published by the fixture

pytestmark = pytest.mark.rasa


class Clock:
    """The file bot.clock reads: the time it says was "now" at the file's modification."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, moment: datetime) -> None:
        write_clock_file(self.path, moment)  # atomic: a reader never sees an empty file

    def at(self, wall: datetime) -> datetime:
        """What the stack's clock read at this wall-clock moment (naive UTC)."""
        with open(self.path, encoding="utf-8") as clock_file:
            since = wall.timestamp() - os.fstat(clock_file.fileno()).st_mtime
            said = datetime.fromisoformat(clock_file.read().strip())
        return said + timedelta(seconds=since)


class Launcher:
    """The running stack with a worker, and the staff commands against it."""

    def __init__(self, provider: Provider, env: dict[str, str], clock: Clock, workdir: Path):
        self.provider, self.env, self.clock, self.workdir = provider, env, clock, workdir

    def engage(self, *args: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """The staff command, with the settings the bot was started with (the channels' among
        them, as an officer's shell would have), less those named in `without`."""
        env = {**os.environ, **self.provider.stack.config.extra_env,
               "ENGAGE_DATABASE_URL": self.provider.stack.config.database_url,
               "ENGAGE_SECRET_KEY": SECRET, "ENGAGE_ACTOR": "e2e-officer"}
        for name in without:
            env.pop(name, None)
        done = subprocess.run([str(Path(sys.executable).parent / "engage"), *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
        return done

    def ok(self, *args: str) -> str:
        done = self.engage(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def import_sms(self, group: str, numbers: list[str], language: str = "en") -> None:
        sheet = self.workdir / f"{group}.csv"
        with sheet.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["phone", "language"])
            writer.writerows([number, language] for number in numbers)
        self.ok("contacts", "import", str(sheet), "--channel", "sms", "--group", group,
                "--source", "Library drop-in sign-up sheet, Nov 2026")

    def invitations(self, group_numbers: list[str]) -> list[Invitation]:
        names = [pseudonym(SECRET, "twilio_sms", n) for n in group_numbers]
        with transaction(self.provider.factory()) as session:
            return session.query(Invitation).filter(Invitation.pseudonym.in_(names)).all()

    def outbox(self, group_numbers: list[str]) -> list[OutboxMessage]:
        names = [pseudonym(SECRET, "twilio_sms", n) for n in group_numbers]
        with transaction(self.provider.factory()) as session:
            return session.query(OutboxMessage).filter(OutboxMessage.pseudonym.in_(names)).all()

    def all_sent(self, numbers: list[str]) -> bool:
        rows = self.invitations(numbers)
        return len(rows) == len(numbers) and all(r.status == "sent" for r in rows) and \
            all(self.provider.sms_to(n) for n in numbers)

    def first_received(self, numbers: list[str]) -> list[tuple[str, datetime]]:
        """(number, wall time) of the first message each number received, in order."""
        seen: dict[str, datetime] = {}
        for message in sorted(self.provider.twilio.accepted, key=lambda m: m.request.received_at):
            if message.to in numbers:
                seen.setdefault(message.to, message.request.received_wall)
        return sorted(seen.items(), key=lambda item: item[1])

    def start_worker(self) -> None:
        self.provider.stack.start_worker()

    def delivery_report(self, phone: str, status: str, error_code: int | None = None) -> None:
        """Twilio's signed status callback for the first message to `phone`."""
        [message] = [m for m in self.provider.twilio.accepted if m.to == phone][:1]
        params = self.provider.twilio.status_params(message.sid, status, error_code)
        signed = sign_twilio_form(TEST_AUTH_TOKEN, PUBLIC_URL + STATUS_PATH, params)
        assert self.provider.post(STATUS_PATH, signed.body, signed.headers) == 200


@pytest.fixture(scope="module")
def launcher(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    workdir = tmp_path_factory.mktemp("launch")
    clock = Clock(workdir / "clock")
    clock.set(MIDDAY)
    reminding = workdir / f"{REMINDING}.yml"
    parks = (ROOT / "campaigns" / "parks-2026.yml").read_text()
    reminding.write_text(parks.replace("id: parks-2026", f"id: {REMINDING}")
                         .replace("keywords: [PARKS, PARCIAU, YOUTH]", "keywords: [REMIND]")
                         + "\nreminder:\n  after_hours: 1\n")
    env = {"ENGAGE_QUEUE_PATH": str(workdir / "queue.db"), "ENGAGE_CLOCK_FILE": str(clock.path),
           "ENGAGE_QUIET_RECHECK": "0.5", "ENGAGE_INVITE_LEASE": "3",
           "ENGAGE_INVITE_BACKOFF": "0.5", "ENGAGE_RATE_SMS": "50"}
    campaigns = [*sorted((ROOT / "campaigns").glob("*.yml")), reminding]
    with provider_stack(rasa_model, workdir, env, campaigns=campaigns, worker=True) as provider:
        yield Launcher(provider, env, clock, workdir)


def numbers(start: int, count: int) -> list[str]:
    return [f"+4474001{index:05d}" for index in range(start, start + count)]


def answer_to_the_end(launcher: Launcher, phone: str, first: str) -> list[str]:
    """Reply `first` to the invitation, then '1' to each question (a postcode when asked)."""
    provider = launcher.provider
    name = pseudonym(SECRET, "twilio_sms", phone)
    inbound = 0
    reply = first
    for _ in range(25):
        assert provider.sms(phone, reply) == 200
        inbound += 1
        wait_for(lambda n=inbound: provider.settled(name, n))
        last = provider.sms_to(phone)[-1]
        if THANKS in last or "no more messages" in last.lower():
            return provider.sms_to(phone)
        reply = "CF10 1AB" if "postcode" in last.lower() else "1"
    raise AssertionError("the conversation never finished")


def test_launch_invites_each_contact_once_and_what_they_say_reaches_every_report(launcher):
    provider = launcher.provider
    group = numbers(0, 9)
    stopped_before = "+447400199999"
    provider.sms(stopped_before, "STOP")  # opted out before any import
    wait_for(lambda: provider.settled(pseudonym(SECRET, "twilio_sms", stopped_before), 1))
    launcher.import_sms("library", [*group, stopped_before])
    wrote, silent = 880001, 880002  # Telegram: one wrote to the bot, one never did
    assert provider.tg(telegram_text_update(wrote, "hello", update_id=55_001)) == 200
    wait_for(lambda: provider.settled(pseudonym(SECRET, "telegram", str(wrote)), 1))
    sheet = launcher.workdir / "telegram.csv"
    sheet.write_text(f"chat_id,language\n{wrote},en\n{silent},en\n")
    launcher.ok("contacts", "import", str(sheet), "--channel", "telegram", "--group", "library",
                "--source", "Community centre poster, Nov 2026")

    dry = launcher.ok("campaign", "launch", "buses-2026", "--audience", "library", "--dry-run")
    assert "Would invite: 10" in dry and "never wrote to the bot" in dry, dry
    assert "SMS segment" in dry and "Estimated cost" in dry, dry
    assert "not set up" not in dry and "Sending would start now (12:" in dry, dry
    assert not launcher.invitations(group)  # a dry run changes nothing

    # Without Twilio's settings nothing could leave: the dry run says so, the launch refuses.
    twilio = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    unset = launcher.engage("campaign", "launch", "buses-2026", "--audience", "library",
                            "--dry-run", without=twilio)
    assert "SMS is not set up: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set; nothing " \
           "would be sent to the 9 SMS contact(s)." in unset.stdout, unset.stdout
    refused = launcher.engage("campaign", "launch", "buses-2026", "--audience", "library",
                              without=twilio)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: SMS is not set up")
    assert "--queue-anyway" in refused.stderr and not launcher.invitations(group)

    launcher.ok("campaign", "launch", "buses-2026", "--audience", "library", "--no-wait")
    wait_for(lambda: launcher.all_sent(group), timeout=120)
    tg_name = pseudonym(SECRET, "telegram", str(wrote))
    wait_for(lambda: provider.telegram_to(wrote), timeout=60)
    assert all(len(provider.sms_to(n)) == 1 for n in group)  # one invitation message each
    assert not provider.sms_to(stopped_before)[1:]  # the STOP confirmation only
    assert not provider.telegram_to(silent)
    assert "YES" in provider.sms_to(group[0])[0]  # known language: straight to consent

    again = launcher.ok("campaign", "launch", "buses-2026", "--audience", "library", "--no-wait")
    assert "nothing was queued" in again and "10  already invited" in again, again
    time.sleep(2.0)
    assert all(len(provider.sms_to(n)) == 1 for n in group)  # nobody invited twice

    for phone in group[:7]:
        answer_to_the_end(launcher, phone, "YES")
    assert "no" in answer_to_the_end(launcher, group[7], "NO")[-1].lower()
    answer_to_the_end(launcher, group[8], "STOP")

    with transaction(provider.factory()) as session:
        statuses = Counter(p.status for p in session.query(Participant).filter(
            Participant.pseudonym.in_([pseudonym(SECRET, "twilio_sms", n) for n in group]
                                      + [tg_name])))
    assert statuses == {"completed": 7, "declined": 1, "opted_out": 1, "in_progress": 1}

    for phone in group[:8]:  # Twilio's delivery reports; Telegram sends none
        launcher.delivery_report(phone, "delivered")
    launcher.delivery_report(group[8], "undelivered", 30003)
    status = launcher.ok("campaign", "status", "buses-2026")
    for line in ("invited:   10", "queued:    0", "sent:      1", "delivered: 8",
                 "failed:    1", "1  Twilio 30003: Unreachable destination handset"):
        assert line in status, status
    for stage, count in (("Started", 9), ("Agreed", 7), ("Said no", 1), ("Finished", 7),
                         ("Stopped before agreeing", 1)):
        assert re.search(rf"^\s*{stage}\s+{count}$", status, re.MULTILINE), status
    results = launcher.ok("results", "buses-2026")
    assert re.search(r"Bus\s+7\s+100%", results) and "7 stayed, 0 changed" in results, results
    reach = launcher.ok("campaign", "reach", "buses-2026")
    assert re.search(r"16-24\s+20%\s+7\s+100%", reach), reach
    assert re.search(r"CF10\s+7%\s+7\s+100%", reach), reach
    export = launcher.ok("export", "buses-2026", "--format", "jsonl")
    lines = [line for line in export.splitlines() if line.strip()]
    assert len(lines) == sum('"Finished"' in line for line in lines) == 7
    audit = launcher.ok("audit")
    assert "launch" in audit and "e2e-officer" in audit


def test_worker_killed_mid_launch_then_relaunched_invites_each_once(launcher):
    provider = launcher.provider
    group = numbers(100, 24)
    launcher.import_sms("estate", group)
    launcher.ok("campaign", "launch", "buses-2026", "--audience", "estate", "--rate", "4/s",
                "--no-wait")
    wait_for(lambda: len(launcher.first_received(group)) >= 6, timeout=60)
    worker = provider.stack.processes.pop("worker")
    os.killpg(worker.popen.pid, signal.SIGKILL)  # mid-launch, claims held, tasks lost
    worker.popen.wait()
    reached = len(launcher.first_received(group))
    assert reached < len(group)
    launcher.start_worker()
    launcher.ok("campaign", "launch", "buses-2026", "--audience", "estate", "--rate", "4/s",
                "--no-wait")
    wait_for(lambda: launcher.all_sent(group), timeout=180)
    time.sleep(2.0)
    assert all(len(provider.sms_to(n)) == 1 for n in group), \
        Counter(len(provider.sms_to(n)) for n in group)
    assert len(launcher.invitations(group)) == len(group)


def test_provider_429s_are_honoured_and_every_invitation_arrives_once(launcher):
    provider = launcher.provider
    group = numbers(200, 5)
    launcher.import_sms("choir", group)
    before = len(provider.twilio.requests)
    provider.twilio.fail_next(429, times=3, retry_after=0.5)
    # Watched to the end: done means the provider has every one, after its 429s.
    out = launcher.ok("campaign", "launch", "buses-2026", "--audience", "choir")
    assert "Done: 5 invitation(s) sent (handed to the phone company or app), 0 failed." in out
    assert {r.status for r in launcher.outbox(group)} == {"sent"}
    assert all(provider.sms_to(n) for n in group)
    assert all(len(provider.sms_to(n)) == 1 for n in group)
    assert len(provider.twilio.requests) - before >= len(group) + 3


def test_launch_rate_is_respected_at_the_provider(launcher):
    rate, group = 4.0, numbers(300, 24)
    launcher.import_sms("allotments", group)
    launcher.ok("campaign", "launch", "buses-2026", "--audience", "allotments", "--rate", "4/s",
                "--no-wait")
    wait_for(lambda: launcher.all_sent(group), timeout=90)
    times = [wall.timestamp() for _, wall in launcher.first_received(group)]
    # The worker triggers one invitation every 1/rate s; each reaches the fake after the
    # pipeline (Rasa, the action, the outbox) and the sender's next poll (0.2 s here). The
    # first carries the pipeline's warm-up, so the rate is measured from the second on, and
    # the span may be short by up to two polls of that quantisation.
    poll, later = 0.2, times[1:]
    achieved = (len(later) - 1) / (later[-1] - later[0])
    ceiling = (len(later) - 1) / ((len(later) - 1) / rate - 2 * poll)
    assert rate * 0.8 <= achieved <= ceiling, (achieved, ceiling)
    # Within a second, invitations that bunched up behind a slow moment may leave faster: at
    # the channel's own rate (ENGAGE_RATE_SMS), which tests/outbound and the shared pacing
    # tests hold to (docs/launching.md says so).


def test_quiet_hours_hold_campaign_messages_but_not_replies(launcher):
    provider, clock = launcher.provider, launcher.clock
    group = numbers(400, 16)
    launcher.import_sms("evening", group)
    nine_pm = datetime(2026, 11, 24, 21, 0)
    clock.set(nine_pm - timedelta(seconds=10))  # ten seconds before quiet hours
    try:
        launched = launcher.ok("campaign", "launch", "buses-2026", "--audience", "evening",
                               "--rate", "1/s", "--no-wait")
        assert "The worker is sending them now." in launched, launched
        wait_for(lambda: clock.at(datetime.now(timezone.utc)) > nine_pm + timedelta(seconds=3),
                 timeout=30)
        early = launcher.first_received(group)
        assert 1 <= len(early) < len(group), early  # some went before 21:00, the rest wait
        assert all(clock.at(wall) < nine_pm for _, wall in early)
        dry = launcher.ok("campaign", "launch", "buses-2026", "--audience", "evening",
                          "--dry-run")
        assert "It is quiet hours in Europe/London now (21:0" in dry, dry
        assert "quiet hours 21:00-08:00): nothing is sent until 08:00 tomorrow." in dry, dry
        assert "held in quiet hours until 08:00 (Europe/London)" in \
            launcher.ok("campaign", "status", "buses-2026")
        writer = "+447400188888"  # a resident who writes now is answered at once
        assert provider.sms(writer, "BUSES") == 200
        wait_for(lambda: provider.sms_to(writer), timeout=30)
        time.sleep(2.0)
        assert launcher.first_received(group) == early  # still held
        clock.set(datetime(2026, 11, 25, 7, 59, 58))
        wait_for(lambda: launcher.all_sent(group), timeout=90)
        late = [(n, w) for n, w in launcher.first_received(group) if (n, w) not in early]
        assert len(late) == len(group) - len(early)
        assert all(clock.at(wall) >= datetime(2026, 11, 25, 8, 0) for _, wall in late)
    finally:
        clock.set(MIDDAY)


def test_one_reminder_for_the_unfinished_never_after_stop(launcher, monkeypatch):
    provider, clock = launcher.provider, launcher.clock
    quiet_one, stopper = "+447400177701", "+447400177702"
    for phone, replies in ((quiet_one, ["REMIND", "1", "YES"]),
                           (stopper, ["REMIND", "1", "YES", "STOP"])):
        name = pseudonym(SECRET, "twilio_sms", phone)
        for inbound, text in enumerate(replies, start=1):
            assert provider.sms(phone, text) == 200
            wait_for(lambda n=inbound, who=name: provider.settled(who, n))
    before = {phone: len(provider.sms_to(phone)) for phone in (quiet_one, stopper)}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    later = now.replace(hour=12, minute=0, second=0, microsecond=0)
    while later < now + timedelta(hours=2):
        later += timedelta(days=1)
    clock.set(later)  # over an hour since they last wrote, and daytime
    config = provider.stack.config
    for key, value in {**launcher.env, "ENGAGE_RASA_URL": config.rasa_url,
                       "ENGAGE_RASA_TOKEN": config.api_token}.items():
        monkeypatch.setenv(key, value)
    try:
        remind_due(provider.factory())
        remind_due(provider.factory())  # a second run (or the worker's own) reminds nobody
        wait_for(lambda: len(provider.sms_to(quiet_one)) > before[quiet_one], timeout=60)
        time.sleep(2.0)
        assert len(provider.sms_to(quiet_one)) == before[quiet_one] + 1
        assert len(provider.sms_to(stopper)) == before[stopper]  # never after STOP
        with transaction(provider.factory()) as session:
            name = pseudonym(SECRET, "twilio_sms", quiet_one)
            assert session.query(Participant).filter_by(pseudonym=name).one().reminded_at
            assert session.query(Contact).filter_by(pseudonym=name).one().opted_out_at is None
    finally:
        clock.set(MIDDAY)


def test_republishing_a_change_invites_nobody_again(launcher):
    provider = launcher.provider
    group = numbers(500, 3)
    launcher.import_sms("tenants", group)
    launcher.ok("campaign", "launch", REMINDING, "--audience", "tenants", "--no-wait")
    wait_for(lambda: launcher.all_sent(group), timeout=60)
    source = launcher.workdir / f"{REMINDING}.yml"
    source.write_text(source.read_text() + "quiet_hours:\n  start: \"22:00\"\n  end: \"07:00\"\n")
    published = launcher.ok("campaign", "publish", str(source))
    assert "version 2" in published, published  # they took part in version 1
    dry = launcher.ok("campaign", "launch", REMINDING, "--audience", "tenants", "--dry-run")
    assert "Would invite: 0" in dry, dry
    assert "3  already invited to an earlier version of the campaign" in dry, dry
    again = launcher.ok("campaign", "launch", REMINDING, "--audience", "tenants", "--no-wait")
    assert "nothing was queued" in again, again
    status = launcher.ok("campaign", "status", REMINDING)
    assert "invited:   3" in status, status
    assert all(len(provider.sms_to(n)) == 1 for n in group)
