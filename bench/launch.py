"""`make bench`, part two: a campaign launch to 10,000 residents through the whole stack.

    .venv/bin/python -m bench.launch                                  # 10,000, all six runs
    .venv/bin/python -m bench.launch --invitations 2000 --setups sqlite+sqlite --json var/bench/launch.json

Each run: a fresh database, 10,000 SMS contacts imported, the stack (Rasa, action server,
worker) started against the fake Twilio API on 127.0.0.1, then `engage campaign launch`. Every
invitation goes worker -> Rasa trigger_intent -> action -> outbox -> sender -> fake Twilio, as
in production. Runs: rate limit off, then with a limit (`--rate N/s`), for each database+queue
pair: SQLite+SQLite (what `make run` uses), SQLite+Redis, PostgreSQL+Redis (production).
Figures come from the fake's own receive times: invitations per second, the achieved rate
against the limit, duplicates and losses.
Exit status 1 when a run did not finish, lost or duplicated an invitation.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import cpu, machine, profiling
from bench.databases import database
from bot.config import ROOT

sys.path.insert(0, str(ROOT / "tests"))  # the fake provider APIs live with the tests

from fakes.twilio_api import FakeTwilio  # noqa: E402

from bot.campaigns.publishing import publish_files  # noqa: E402
from bot.stack import Stack, StackConfig, free_port  # noqa: E402
from bot.store.db import session_factory, transaction  # noqa: E402
from bot.store.models import Invitation  # noqa: E402

BIN = Path(sys.executable).parent
BENCH_VAR = ROOT / "var" / "bench" / "launch"
SECRET = "launch-bench-secret-not-for-production"
SMS_FROM = "+447700900000"
PUBLIC_URL = "https://bot.example.org"
CAMPAIGN = "buses-2026"
SETUPS = ("sqlite+sqlite", "sqlite+redis", "postgres+redis")
UNLIMITED = "100000"  # messages per second: the sender's limit, effectively off


@dataclass
class RunResult:
    setup: str  # database+queue
    limit: float | None  # invitations per second asked for; None: off
    invitations: int
    received: int  # distinct residents the fake received an invitation for
    duplicates: int  # messages the fake received twice (same resident, same text)
    lost: int  # residents never reached and not recorded as failed
    failed: int  # invitations recorded as failed (with a reason)
    launch_seconds: float  # `engage campaign launch --no-wait`: rows and queue filled
    seconds: float  # from the launch command's start to the last invitation received
    per_second: float  # invitations / seconds
    steady_per_second: float  # (n - 1) / (last - first receive): the sending rate itself
    rate_accuracy: float | None  # steady_per_second / limit
    cpu_ms_per_invitation: dict[str, float] | None = None  # per process, over the whole run

    def summary(self) -> str:
        limit = f"{self.limit:g}/s" if self.limit else "off"
        accuracy = f"{self.rate_accuracy:.3f}" if self.rate_accuracy is not None else "-"
        return (f"| {self.setup} | {limit} | {self.invitations} | {self.per_second:.1f} | "
                f"{self.steady_per_second:.1f} | {accuracy} | {self.duplicates} | {self.lost} | "
                f"{self.failed} | {self.seconds:.1f} |")


HEADER = ("| database+queue | limit | invitations | invitations/s (whole run) | sending rate/s | "
          "achieved / limit | duplicates | losses | failed | seconds |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def numbers(count: int) -> list[str]:
    """Valid UK mobile numbers (+44 7400 ...), distinct, none a real test range clash."""
    return [f"+447400{index:06d}" for index in range(count)]


def engage(database_url: str, *args: str, env: dict[str, str] | None = None) -> None:
    command = [str(BIN / "engage"), *args]
    full_env = {**os.environ, **(env or {}), "ENGAGE_DATABASE_URL": database_url,
                "ENGAGE_SECRET_KEY": SECRET}
    done = subprocess.run(command, cwd=ROOT, env=full_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Error: `engage {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")


def prepare(url: str, workdir: Path, count: int) -> None:
    """The campaigns published and `count` SMS contacts in group bench."""
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
    sheet = workdir / "bench.csv"
    with sheet.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "language"])
        writer.writerows([number, "en"] for number in numbers(count))
    engage(url, "contacts", "import", str(sheet), "--channel", "sms", "--group", "bench",
           "--source", "launch benchmark (invented numbers)")


def queue_env(queue: str, workdir: Path) -> dict[str, str]:
    if queue == "redis":
        # A fresh queue name each run, so nothing left from an earlier run is consumed.
        return {"ENGAGE_QUEUE_URL": os.environ.get("ENGAGE_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
                "ENGAGE_QUEUE_NAME": f"engage-bench-{uuid.uuid4().hex[:8]}"}
    return {"ENGAGE_QUEUE_PATH": str(workdir / "queue.db")}


def midday_clock(workdir: Path) -> Path:
    """Quiet hours (21:00-08:00) would hold a launch run at night: the stack's clock reads
    midday (bot.clock), whatever the time of the run; only quiet-hours decisions use it."""
    path = workdir / "clock"
    path.write_text("2026-11-24T12:00:00")
    return path


def counts(database_url: str) -> Counter:
    with transaction(session_factory(database_url)) as session:
        return Counter(status for (status,) in session.query(Invitation.status))


def run_one(setup: str, limit: float | None, count: int, model: Path, threads: int,
            time_limit: float, profile: Path | None = None) -> RunResult:
    kind, queue = setup.split("+")
    workdir = BENCH_VAR / f"{kind}-{queue}-{'limited' if limit else 'off'}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    print(f"Launch to {count} residents, database {kind}, queue {queue}, rate limit "
          f"{f'{limit:g}/s' if limit else 'off'} ...", flush=True)
    with database(kind, workdir) as url:
        prepare(url, workdir, count)
        result = _run(url, setup, queue, workdir, limit, count, model, threads, time_limit,
                      profile)
    return result


def _run(url: str, setup: str, queue: str, workdir: Path, limit: float | None, count: int,
         model: Path, threads: int, time_limit: float, profile: Path | None) -> RunResult:
    queue_settings = queue_env(queue, workdir)  # the launch and the worker share one queue
    with FakeTwilio() as twilio:
        env = {**twilio.env(), **queue_settings, "ENGAGE_PUBLIC_URL": PUBLIC_URL,
               "TWILIO_SMS_FROM": SMS_FROM, "ENGAGE_RATE_SMS": UNLIMITED,
               "ENGAGE_OUTBOX_POLL": "0.2", "RASA_TELEMETRY_ENABLED": "false",
               "ENGAGE_CLOCK_FILE": str(midday_clock(workdir))}
        config = StackConfig(model=model, database_url=url, secret_key=SECRET,
                             rasa_port=free_port(), action_port=free_port(),
                             log_dir=workdir / "logs", extra_env=env, worker=True,
                             worker_threads=threads)
        with Stack(config) as stack:
            launch = ["campaign", "launch", CAMPAIGN, "--audience", "bench", "--no-wait",
                      "--by", "benchmark"]
            if limit:
                launch += ["--rate", f"{limit:g}/s"]
            pids = {name: process.popen.pid for name, process in stack.processes.items()}
            spying = (profiling.recording(pids, profile, workdir.name) if profile
                      else nullcontext({}))
            with spying as spies:
                before = cpu.snapshot(pids)
                started = time.monotonic()
                engage(url, *launch, env=env)  # the officer has the bot's channel settings
                launched = time.monotonic() - started
                status = _wait_until_done(url, twilio, count, started + time_limit)
                accepted = list(twilio.accepted)
                used = cpu.difference(before, cpu.snapshot(pids))
            for name, path in spies.items():
                found = profiling.where_time_goes(path)
                print(f"  {name}: " + ", ".join(f"{n} {share}%" for share, n in found["packages"]))
    result = _figures(setup, limit, count, started, launched, accepted, status)
    result.cpu_ms_per_invitation = {name: round(1000 * seconds / count, 2)
                                    for name, seconds in used.items()}
    return result


def _wait_until_done(url: str, twilio: FakeTwilio, count: int, deadline: float) -> Counter:
    """Until every invitation is sent or failed and reached the fake (or the deadline), then
    two seconds more: anything sent twice would arrive then. Returns the final statuses."""
    while time.monotonic() < deadline:
        status = counts(url)
        if status.get("queued", 0) == 0 and _first_messages(twilio, status) >= count:
            break
        time.sleep(0.5)
    time.sleep(2.0)
    return counts(url)


def _first_messages(twilio: FakeTwilio, status: Counter) -> int:
    return len({message.to for message in twilio.accepted}) + status.get("failed", 0)


def _figures(setup: str, limit: float | None, count: int, started: float, launched: float,
             accepted: list, status: Counter) -> RunResult:
    first_seen: dict[str, float] = {}
    sent_twice = Counter((m.to, m.body) for m in accepted)
    for message in sorted(accepted, key=lambda m: m.request.received_at):
        first_seen.setdefault(message.to, message.request.received_at)
    times = sorted(first_seen.values())
    received = len(times)
    failed = status.get("failed", 0)
    seconds = (times[-1] - started) if times else float("nan")
    steady = (received - 1) / (times[-1] - times[0]) if received > 1 else 0.0
    return RunResult(
        setup=setup, limit=limit, invitations=count, received=received,
        duplicates=sum(n - 1 for n in sent_twice.values() if n > 1),
        lost=count - received - failed, failed=failed, launch_seconds=round(launched, 2),
        seconds=round(seconds, 2), per_second=round(received / seconds, 1) if times else 0.0,
        steady_per_second=round(steady, 1),
        rate_accuracy=round(steady / limit, 4) if limit and received > 1 else None)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.launch", description=__doc__.split("\n\n")[0],
        epilog="example: python -m bench.launch --invitations 10000 --rate 50 "
               "--json var/bench/launch.json")
    parser.add_argument("--invitations", type=int, default=10_000, help="residents (10000)")
    parser.add_argument("--rate", type=float, default=25.0,
                        help="the limit for the limited runs, invitations per second (25: below "
                             "what 2 cores can do, so the limit, not the machine, sets the pace)")
    parser.add_argument("--setups", default="sqlite+sqlite,sqlite+redis,postgres+redis",
                        help="database+queue pairs: sqlite+sqlite (what `make run` uses), "
                             "sqlite+redis, postgres+redis (production); default all three")
    parser.add_argument("--modes", default="off,limited", help="off, limited or both")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (8)")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="seconds per run before it is called unfinished (900)")
    parser.add_argument("--model", default="models/engage.tar.gz", help="our trained model")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record the processes with py-spy into DIR (slows them a little)")
    args = parser.parse_args(argv)
    args.setups = [q.strip() for q in args.setups.split(",") if q.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(args.setups) <= set(SETUPS) or not args.setups:
        parser.error(f"--setups takes a comma-separated list of {', '.join(SETUPS)}")
    if not set(args.modes) <= {"off", "limited"} or not args.modes:
        parser.error("--modes takes off, limited or off,limited")
    if args.invitations < 2 or args.rate <= 0 or args.threads < 1:
        parser.error("--invitations must be at least 2, --rate and --threads positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    model = ROOT / args.model
    if not model.exists():
        print(f"Error: no trained model at {model}; `make train` trains it", file=sys.stderr)
        return 1
    results = [run_one(setup, args.rate if mode == "limited" else None, args.invitations,
                       model, args.threads, args.time_limit, args.profile)
               for setup in args.setups for mode in args.modes]
    print()
    print(HEADER)
    for result in results:
        print(result.summary())
    print("\nCPU ms per invitation (whole run, including the wait for stragglers):")
    for result in results:
        limit = f"{result.limit:g}/s" if result.limit else "off"
        shares = ", ".join(f"{name} {ms}" for name, ms in (result.cpu_ms_per_invitation or {}).items())
        print(f"  {result.setup}, limit {limit}: {shares}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine.describe(),
            "runs": [asdict(result) for result in results]}, indent=2))
        print(f"\nFigures written to {args.json}")
    bad = [r for r in results if r.lost or r.duplicates or r.received + r.failed < r.invitations]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
