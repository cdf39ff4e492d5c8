"""Several replicas on one PostgreSQL database, with the fake Twilio: what the scale-out
tests drive, and what they count afterwards, from the database."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from constants import SECRET
from fakes.signing import TEST_AUTH_TOKEN, signed_twilio_sms
from fakes.twilio_api import FakeTwilio
from needed import missing

from bot.campaigns.publishing import publish_files
from bot.fleet import Fleet, FleetConfig
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://bot.example.org"
SMS_FROM = "+447700900000"
SMS_PATH = "/webhooks/twilio_sms/webhook"


def provider_env(twilio: FakeTwilio) -> dict[str, str]:
    return {**twilio.env(), "ENGAGE_PUBLIC_URL": PUBLIC_URL, "TWILIO_SMS_FROM": SMS_FROM,
            "ENGAGE_INBOX_POLL": "0.2", "ENGAGE_OUTBOX_POLL": "0.2",
            "ENGAGE_SEND_BACKOFF": "0.2"}


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 30) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def sms(base_url: str, phone: str, text: str, sid: str | None = None) -> int:
    """A signed Twilio SMS webhook to `base_url` (a replica or the load balancer)."""
    fields = {"message_sid": sid} if sid else {}
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, phone, text, **fields)
    return post(base_url + SMS_PATH, signed.body, signed.headers)


def wait_for(check: Callable[[], object], timeout: float = 90, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s")


@dataclass
class Ledger:
    """What the database says happened, message by message."""

    url: str

    def _rows(self, query: str) -> list[sa.engine.Row]:
        with engine_for(self.url).connect() as connection:
            return list(connection.execute(sa.text(query)))

    def inbox(self) -> dict[str, int]:
        return dict(self._rows("SELECT status, count(*) FROM inbox GROUP BY status"))

    def settled(self, expected: int) -> bool:
        """`expected` messages recorded, every one applied, nothing waiting to be sent."""
        inbox = self.inbox()
        waiting = self._rows("SELECT count(*) FROM outbox "
                             "WHERE status IN ('queued', 'sending')")[0][0]
        return sum(inbox.values()) >= expected and set(inbox) <= {"processed"} and not waiting

    def user_events(self) -> dict[str, list[int | None]]:
        """Per sender, the inbox id of every user message in Rasa's tracker store, in order."""
        found: dict[str, list[int | None]] = defaultdict(list)
        for sender, data in self._rows("SELECT sender_id, data FROM events "
                                       "WHERE type_name = 'user' ORDER BY id"):
            found[sender].append((json.loads(data).get("metadata") or {}).get("inbox_id"))
        return found

    def inbox_ids(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for pseudonym, row_id in self._rows("SELECT pseudonym, id FROM inbox "
                                            "ORDER BY id"):
            found[pseudonym].append(row_id)
        return found

    def last_inbox_id(self) -> int:
        return self._rows("SELECT coalesce(max(id), 0) FROM inbox")[0][0]

    def tracker_problems(self, after: int = 0) -> list[str]:
        """Every inbox message once in the tracker, in the order it arrived: else, what not.
        Only residents whose messages all came after inbox id `after`."""
        problems = []
        events, inbox = self.user_events(), self.inbox_ids()
        for pseudonym, ids in inbox.items():
            if ids[0] <= after:
                continue
            seen = [i for i in events.get(pseudonym, []) if i is not None]
            if seen != ids:
                problems.append(f"{pseudonym[:12]}: inbox {ids}, tracker {seen}")
        return problems


@dataclass
class Replicas:
    stacks: list[Stack]
    twilio: FakeTwilio
    ledger: Ledger

    def url(self, number: int) -> str:
        return self.stacks[number].config.rasa_url


@contextmanager
def replicas(model: Path, database_url: str, workdir: Path, count: int = 2,
             extra_env: dict[str, str] | None = None) -> Iterator[Replicas]:
    """`count` Rasa servers, each with its own action server, on one database."""
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], database_url)
    with FakeTwilio() as twilio, ExitStack() as running:
        env = {**provider_env(twilio), **(extra_env or {})}
        stacks = []
        for number in range(count):
            config = StackConfig(model=model, database_url=database_url, secret_key=SECRET,
                                 rasa_port=free_port(), action_port=free_port(),
                                 log_dir=workdir / f"logs-{number}", extra_env=env)
            stacks.append(running.enter_context(Stack(config)))
        yield Replicas(stacks, twilio, Ledger(database_url))
    engine_for(database_url).dispose()


# --- several replicas behind HAProxy, on PostgreSQL and Redis (the fault tests) -------------

def require_haproxy() -> str:
    """HAProxy's binary; skip without it on a developer's machine, fail under CI=true."""
    from bot import haproxy

    found = haproxy.binary()
    if found:
        return found
    missing("haproxy is not installed (scripts/ensure-haproxy installs Debian's package)")


class PrivateRedis:
    """A redis-server of this test's own on a free port, which the test may restart (never
    the machine's shared Redis). Nothing is saved to disk: a restart loses every key."""

    BINARY = "/usr/bin/redis-server"

    def __init__(self, workdir: Path) -> None:
        if not Path(self.BINARY).exists():
            missing(f"{self.BINARY} is missing (Debian's redis-server package)")
        self.port, self.workdir = free_port(), workdir
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> PrivateRedis:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115 - the child's
        self.popen = subprocess.Popen([self.BINARY, "--port", str(self.port), "--bind",
                                       "127.0.0.1", "--save", "", "--appendonly", "no",
                                       "--dir", str(self.workdir)], stdout=log, stderr=log)
        log.close()
        wait_for(self._answers, timeout=10, every=0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


class Supervisor:
    """What `engage run` does twice a second: start again whatever died (Fleet.keep_running),
    in a thread of the test."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet, self.notes = fleet, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.notes += self.fleet.keep_running()

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


@dataclass
class Balanced:
    fleet: Fleet
    twilio: FakeTwilio
    ledger: Ledger
    redis: PrivateRedis
    supervisor: Supervisor

    @property
    def url(self) -> str:
        return self.fleet.url


# Short leases keep the tests short: a killed replica's inbox claims expire after 6 s and its
# Rasa lock tickets after 15 s (production: 30 s and Rasa's 60 s).
FAST_RECOVERY = {"ENGAGE_INBOX_CLAIM_SECONDS": "6", "TICKET_LOCK_LIFETIME": "15"}


@contextmanager
def balanced(model: Path, database_url: str, workdir: Path, count: int = 2,
             extra_env: dict[str, str] | None = None, worker: bool = False,
             recovery: dict[str, str] | None = None) -> Iterator[Balanced]:
    """`count` replicas (Rasa and its action server, and a worker each with `worker`, on a
    queue in the private Redis) behind a real HAProxy, on one PostgreSQL database, with
    Rasa's lock store on a private Redis, supervised as `engage run` does. `recovery`: the
    claim and lock lifetimes (FAST_RECOVERY unless given; {} for the production defaults)."""
    require_haproxy()
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], database_url)
    redis = PrivateRedis(workdir).start()
    try:
        with FakeTwilio() as twilio:
            env = {**provider_env(twilio),
                   **(FAST_RECOVERY if recovery is None else recovery),
                   "ENGAGE_LOCK_STORE_URL": f"{redis.url}/1", **(extra_env or {})}
            if worker:
                env["ENGAGE_QUEUE_URL"] = f"{redis.url}/0"
            fleet = Fleet(FleetConfig(model=model, database_url=database_url,
                                      secret_key=SECRET, replicas=count,
                                      balancer_port=free_port(), log_dir=workdir / "logs",
                                      extra_env=env, worker=worker))
            with fleet, Supervisor(fleet) as supervisor:
                yield Balanced(fleet, twilio, Ledger(database_url), redis, supervisor)
    finally:
        redis.stop()
        engine_for(database_url).dispose()


def ready(url: str) -> bool:
    """Whether a Rasa replica answers /ready with 200."""
    try:
        with urllib.request.urlopen(f"{url}/ready", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def kill_a_replica(fleet: Balanced, ready_within: float = 120) -> None:
    """SIGKILL the first replica's Rasa server; back once the supervisor has started it again
    and it is ready."""
    victim = fleet.fleet.replicas[0]
    victim.processes["rasa"].signal(signal.SIGKILL)
    wait_for(lambda: any("Rasa server is starting again" in n for n in fleet.supervisor.notes),
             timeout=30)
    wait_for(lambda: ready(victim.config.rasa_url), timeout=ready_within, every=0.5)


def end_connections(admin_url: str, database_url: str, times: int = 3) -> list[int]:
    """End every PostgreSQL connection to the database, `times` times a second apart (while
    residents keep texting); how many each round ended."""
    name = sa.engine.make_url(database_url).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    ended: list[int] = []
    try:
        for _ in range(times):
            with admin.connect() as connection:
                ended.append(connection.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}
                ).scalar())
            time.sleep(1)
    finally:
        admin.dispose()
    return ended


def phone(number: int, block: int) -> str:
    return f"+4477009{block:02d}{number:03d}"


# A resident's part of the conversation: keyword, language, consent, past the intro, an answer.
SCRIPT = ("BUSES", "1", "YES", "ok", "2")


@dataclass
class LoadResult:
    statuses: list[int]
    resent: int  # webhooks the provider sent again (not 200 the first time), same MessageSid


def send_until_taken(url: str, number: str, text: str, sid: str,
                     give_up_after: float = 60) -> tuple[int, int]:
    """As a provider does: a webhook that fails is sent again with the same message id
    (the inbox records it once). Returns the last status and how many times it was resent."""
    deadline, resent = time.monotonic() + give_up_after, 0
    while True:
        try:
            status = sms(url, number, text, sid=sid)
        except OSError:
            status = 0
        if 400 <= status < 500 or status == 200 or time.monotonic() > deadline:
            return status, resent  # a 4xx is the request's own fault: sending again is no use
        resent += 1
        time.sleep(0.5)


def run_load(url: str, phones: list[str], pause: float = 0.6,
             script: tuple[str, ...] = SCRIPT) -> LoadResult:
    """Every resident at once, each sending the script a message at a time."""

    def resident(number: str) -> list[tuple[int, int]]:
        sent = []
        for turn, text in enumerate(script):
            sid = "SM" + hashlib.md5(f"{number}:{turn}".encode()).hexdigest()  # Twilio's form
            sent.append(send_until_taken(url, number, text, sid))
            time.sleep(pause)
        return sent

    with ThreadPoolExecutor(len(phones)) as pool:
        results = [r for got in pool.map(resident, phones) for r in got]
    return LoadResult([s for s, _ in results], sum(n for _, n in results))


def in_background(work: Callable[[], object]) -> Future:
    pool = ThreadPoolExecutor(1)
    future = pool.submit(work)
    pool.shutdown(wait=False)
    return future


def drained_after(ledger: Ledger, expected: int, since: float, timeout: float = 90) -> float:
    """Seconds from `since` (time.monotonic) until every message is applied and sent."""
    try:
        wait_for(lambda: ledger.settled(expected), timeout=timeout, every=0.25)
    except AssertionError:
        outbox = dict(ledger._rows("SELECT status, count(*) FROM outbox GROUP BY status"))
        raise AssertionError(f"not drained within {timeout}s: inbox {ledger.inbox()}, "
                             f"outbox {outbox}, claims "
                             f"{ledger._rows('SELECT count(*) FROM inbox_claims')[0][0]}"
                             ) from None
    return time.monotonic() - since


def delivery_problems(ledger: Ledger, twilio: FakeTwilio, phones: list[str]) -> list[str]:
    """Per resident: every inbox message answered (an outbox row for it), every outbox row
    sent once (what the fake Twilio accepted, in order, is the outbox, in order), every
    answer to a step recorded once. Empty: nothing lost, nothing twice, order kept."""
    from bot.privacy import pseudonym

    problems = []
    for number in phones:
        name = pseudonym(SECRET, "twilio_sms", number)
        inbox = [r[0] for r in ledger._rows(
            f"SELECT id FROM inbox WHERE pseudonym = '{name}' ORDER BY id")]
        outbox = ledger._rows(f"SELECT inbox_id, body FROM outbox WHERE pseudonym = '{name}' "
                              "ORDER BY id")
        unanswered = [i for i in inbox if i not in {row[0] for row in outbox}]
        if unanswered:
            problems.append(f"{number[-3:]}: no answer to inbox {unanswered}")
        answered_in = [row[0] for row in outbox]
        if answered_in != sorted(answered_in):
            problems.append(f"{number[-3:]}: answers out of order {answered_in}")
        accepted = [m.body for m in twilio.accepted if m.to == number]
        if accepted != [row[1] for row in outbox]:
            problems.append(f"{number[-3:]}: outbox has {len(outbox)}, Twilio took "
                            f"{len(accepted)} (or in another order)")
        twice = ledger._rows(
            "SELECT r.step_id, count(*) FROM responses r JOIN participants p "
            f"ON p.id = r.participant_id WHERE p.pseudonym = '{name}' "
            "GROUP BY r.step_id HAVING count(*) > 1")
        if twice:
            problems.append(f"{number[-3:]}: answers recorded twice {twice}")
    return problems
