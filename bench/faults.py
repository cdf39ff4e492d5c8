"""Faults under load, with figures: a 10 MB body against health checks, a killed action
server, refused tracker writes and an unwritable database, while residents keep texting.

    .venv/bin/python -m bench.faults                       # everything, SQLite
    .venv/bin/python -m bench.faults --residents 40 --database postgres
    .venv/bin/python -m bench.faults --only big-body --url http://127.0.0.1:5005

Opt-in (not part of `make test` or `make bench`): several minutes of both cores.

big-body: one 10 MB REST message while a health check (GET /webhooks/rest/) runs every
  100 ms; reports the big request's status and time and the health checks' worst latency.
  With --url it measures a bot already running (e.g. an older version) instead.
faults: residents text by SMS (signed webhooks, the fake Twilio API) through three faults in
  turn, each for --fault-seconds: the action server SIGKILLed (the stack starts it again, as
  `engage run` does), tracker writes refused (a trigger on `events`), the whole database
  unwritable (SQLite: a held write lock; PostgreSQL: read-only). A webhook answered 5xx is
  resent with the same message id, as Twilio does. Reports per fault: messages, 5xx answers,
  and what was lost or doubled (inbox rows not applied, tracker events missing or repeated).
Exit status 1 when a message was lost or applied twice.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.config import ROOT

sys.path.insert(0, str(ROOT / "tests"))  # the fake provider APIs live with the tests
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import sqlalchemy as sa  # noqa: E402
from databases import fresh_postgres_database  # noqa: E402
from db_faults import PostgresFaults, SqliteFaults  # noqa: E402
from fakes.signing import TEST_AUTH_TOKEN, new_sid, signed_twilio_sms  # noqa: E402
from fakes.twilio_api import FakeTwilio  # noqa: E402

from bot.campaigns.publishing import publish_files  # noqa: E402
from bot.privacy import pseudonym  # noqa: E402
from bot.stack import Stack, StackConfig, free_port  # noqa: E402
from bot.store.db import engine_for  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402

SECRET = "bench-faults-secret"
PUBLIC_URL = "https://bot.example.org"
BIG = 10 * 1000 * 1000
# A conversation that never runs out: the keyword, English, consent, then answers.
SCRIPT = ["BUSES", "1", "YES", "1", "1", "2", "1", "ok", "1", "2", "1", "1"]


# --- big body ----------------------------------------------------------------------------

def _get_seconds(url: str, timeout: float = 60) -> float:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            reply.read()
    except OSError:
        return float("inf")
    return time.monotonic() - started


def _post_raw(base_url: str, path: str, body: bytes) -> str:
    """POST like a plain client that keeps sending; the status line the server answered
    (a server may answer 413 and close before the whole body is sent)."""
    address = urllib.parse.urlsplit(base_url)
    head = (f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=300) as sock:
        try:
            sock.sendall(head)
            for start in range(0, len(body), 65536):
                sock.sendall(body[start:start + 65536])
        except OSError:
            pass  # the server stopped reading: its answer is waiting
        try:
            answer = sock.recv(200).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as error:
            answer = type(error).__name__
    return answer or "no answer"


def big_body(rasa_url: str) -> dict[str, object]:
    body = json.dumps({"sender": "bench-big", "message": "x" * BIG}).encode()
    latencies: list[float] = []
    done = threading.Event()

    def health() -> None:
        while not done.is_set():
            latencies.append(_get_seconds(rasa_url + "/webhooks/rest/"))
            time.sleep(0.1)

    watcher = threading.Thread(target=health)
    watcher.start()
    time.sleep(1)
    started = time.monotonic()
    status = _post_raw(rasa_url, "/webhooks/rest/webhook", body)
    took = time.monotonic() - started
    time.sleep(1)
    done.set()
    watcher.join()
    return {"body_bytes": len(body), "status": status, "seconds": round(took, 2),
            "health_checks": len(latencies),
            "health_worst_seconds": round(max(latencies), 3),
            "health_over_1s": sum(latency > 1 for latency in latencies)}


# --- faults under load -------------------------------------------------------------------

@dataclass
class Figures:
    fault: str
    messages: int = 0
    answered_5xx: int = 0
    resent: int = 0
    not_applied: int = 0
    tracker_missing: int = 0
    tracker_doubled: int = 0
    seconds_to_settle: float = 0.0


@dataclass
class Resident:
    phone: str
    name: str
    sent: list[str] = field(default_factory=list)  # acknowledged, in order
    waiting: tuple[str, str] | None = None  # (text, sid) answered 5xx: Twilio retries it later


class Load:
    def __init__(self, stack: Stack, residents: int) -> None:
        self.stack = stack
        self.url = stack.config.database_url
        self.lock = threading.Lock()
        self.residents = [Resident(p, pseudonym(SECRET, "twilio_sms", p)) for p in
                          (f"+4477009{n:05d}" for n in range(residents))]

    def _post(self, phone: str, text: str, sid: str) -> int:
        path = "/webhooks/twilio_sms/webhook"
        signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, text,
                                   message_sid=sid)
        request = urllib.request.Request(self.stack.config.rasa_url + path, data=signed.body,
                                         method="POST", headers=signed.headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 599

    def text_once(self, resident: Resident, figures: Figures) -> None:
        """The resident's next message. Refused, it waits for Twilio's retry (`redeliver`)."""
        if resident.waiting:
            return
        text, sid = SCRIPT[len(resident.sent) % len(SCRIPT)], new_sid("SM")
        status = self._post(resident.phone, text, sid)
        with self.lock:
            if status == 200:
                resident.sent.append(text)
                figures.messages += 1
            else:
                figures.answered_5xx += status >= 500
                resident.waiting = (text, sid)

    def redeliver(self, figures: Figures, timeout: float = 120) -> None:
        """Twilio's retries of every refused message (same sid), until acknowledged."""
        deadline = time.monotonic() + timeout
        for resident in self.residents:
            while resident.waiting and time.monotonic() < deadline:
                text, sid = resident.waiting
                figures.resent += 1
                if self._post(resident.phone, text, sid) == 200:
                    resident.sent.append(text)
                    resident.waiting = None
                    figures.messages += 1
                else:
                    time.sleep(1)

    def round(self, figures: Figures) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda r: self.text_once(r, figures), self.residents))

    def _tracker_counts(self) -> tuple[int, int]:
        missing = doubled = 0
        with engine_for(self.url).connect() as connection:
            for resident in self.residents:
                stored = connection.execute(sa.text(
                    "SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                    {"s": resident.name}).scalar_one()
                missing += max(len(resident.sent) - stored, 0)
                doubled += max(stored - len(resident.sent), 0)
        return missing, doubled

    def check(self, figures: Figures, timeout: float = 300) -> None:
        """Wait until every message is applied and in the tracker (a turn's events are saved
        just after its answer), then count what is missing or doubled."""
        started = time.monotonic()
        while True:
            with engine_for(self.url).connect() as connection:
                pending = connection.execute(sa.text(
                    "SELECT count(*) FROM inbox WHERE status != 'processed'")).scalar_one()
            missing, doubled = self._tracker_counts()
            if (not pending and not missing) or time.monotonic() - started > timeout:
                break
            time.sleep(0.5)
        figures.seconds_to_settle = round(time.monotonic() - started, 1)
        figures.not_applied, figures.tracker_missing, figures.tracker_doubled = \
            pending, missing, doubled


def run_fault(load: Load, name: str, during: Callable[[], AbstractContextManager],
              seconds: float) -> Figures:
    figures = Figures(name)
    with during():
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            load.round(figures)
    load.redeliver(figures)
    load.round(figures)  # and one more once it is over
    load.check(figures)
    return figures


@contextmanager
def supervised(stack: Stack) -> Iterator[None]:
    """What `engage run` does for its children, in a thread: start a dead one again."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            for note in stack.keep_running():
                print("  stack:", note, flush=True)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


@contextmanager
def killed_actions(stack: Stack) -> Iterator[None]:
    stack.processes["actions"].signal(signal.SIGKILL)
    yield


@contextmanager
def refused_tracker_writes(faults: SqliteFaults | PostgresFaults) -> Iterator[None]:
    faults.refuse_tracker_writes()
    try:
        yield
    finally:
        faults.allow_tracker_writes()


@contextmanager
def database(kind: str, workdir: Path, admin_url: str) -> Iterator[tuple[str, object]]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'engage.db'}"
        upgrade(url)
        yield url, SqliteFaults(url)
        return
    with fresh_postgres_database(admin_url, "engage_faults") as url:
        yield url, PostgresFaults(url, admin_url)


def faults_run(model: Path, kind: str, residents: int, seconds: float,
               admin_url: str) -> list[Figures]:
    with tempfile.TemporaryDirectory(prefix="engage-faults-") as tmp, \
            database(kind, Path(tmp), admin_url) as (url, faults), FakeTwilio() as twilio:
        publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
        env = {**twilio.env(), "ENGAGE_PUBLIC_URL": PUBLIC_URL, "TWILIO_SMS_FROM": "+447700900000",
               "ENGAGE_INBOX_POLL": "0.5", "ENGAGE_OUTBOX_POLL": "0.2"}
        config = StackConfig(model=model, database_url=url, secret_key=SECRET,
                             rasa_port=free_port(), action_port=free_port(),
                             log_dir=Path(tmp) / "logs", extra_env=env)
        with Stack(config) as stack, supervised(stack):
            load = Load(stack, residents)
            results = [run_fault(load, "none (baseline)", nullcontext, 0)]
            steps = [("action server SIGKILLed", lambda: killed_actions(stack)),
                     ("tracker writes refused", lambda: refused_tracker_writes(faults)),
                     ("database unwritable", faults.unwritable)]
            for name, fault in steps:
                print(f"Fault: {name} for {seconds:.0f} s ...", flush=True)
                results.append(run_fault(load, name, fault, seconds))
                print("  ", asdict(results[-1]), flush=True)
        engine_for(url).dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["big-body", "faults"])
    parser.add_argument("--url", help="measure big-body against this running bot")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--fault-seconds", type=float, default=15)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--model", default=str(ROOT / "models" / "engage.tar.gz"))
    args = parser.parse_args(argv)
    bad = False
    if args.only in (None, "big-body"):
        if args.url:
            print("big-body:", big_body(args.url), flush=True)
        else:
            with tempfile.TemporaryDirectory(prefix="engage-bigbody-") as tmp:
                url = f"sqlite:///{Path(tmp) / 'engage.db'}"
                upgrade(url)
                publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
                config = StackConfig(model=Path(args.model), database_url=url,
                                     secret_key=SECRET, rasa_port=free_port(),
                                     action_port=free_port(), log_dir=Path(tmp) / "logs")
                with Stack(config) as stack:
                    print("big-body:", big_body(stack.config.rasa_url), flush=True)
                engine_for(url).dispose()
    if args.only in (None, "faults"):
        results = faults_run(Path(args.model), args.database, args.residents,
                             args.fault_seconds, args.postgres)
        print(f"\n| fault ({args.database}, {args.residents} residents) | messages | 5xx | "
              "resent | not applied | tracker missing | tracker doubled | settled in s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for f in results:
            print(f"| {f.fault} | {f.messages} | {f.answered_5xx} | {f.resent} | "
                  f"{f.not_applied} | {f.tracker_missing} | {f.tracker_doubled} | "
                  f"{f.seconds_to_settle} |")
            bad |= bool(f.not_applied or f.tracker_missing or f.tracker_doubled)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
