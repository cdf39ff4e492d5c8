"""`make bench`, part four: a city-wide wave. Every resident of a launch replies within a minute.

    .venv/bin/python -m bench.burst                                    # 10,000 residents, 2 replicas
    .venv/bin/python -m bench.burst --invitations 1000 --within 20 --json var/bench/burst.json

One run: a fresh PostgreSQL database, N SMS contacts imported, `--replicas` replicas (Rasa, its
action server and a worker each) behind a real HAProxy on a private Redis (lock store and
queue), the fake Twilio API. `engage campaign launch` sends every invitation (worker -> Rasa ->
action -> outbox -> sender -> fake Twilio, rate limit off). Once all have gone, every resident
answers the invitation's question ("YES") through the load balancer, the N webhooks spread
evenly over `--within` seconds, as a provider delivers a wave of replies. Bounded: the wave
is N messages, and the run gives up `--time-limit` seconds after the wave (exit status 1).

Figures, counted from the database and the fake afterwards: the wave's offered and achieved
rate, answers per second until the backlog drained, p50/p95 from a reply's arrival to its
answer's send, the backlog over time, and replies lost, answered twice or out of order.
Exit status 1 when anything was lost, doubled or reordered, or the backlog did not drain.

Needs PostgreSQL (ENGAGE_TEST_POSTGRES_URL), /usr/bin/redis-server and haproxy.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import machine, stats
from bench.scaleout import POSTGRES_URL, UNPACED, BacklogSampler, figures
from bot.config import ROOT

sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "scale")]  # fakes, the fleet harness

from constants import SECRET  # noqa: E402
from databases import fresh_postgres_database  # noqa: E402
from scale_helpers import Balanced, balanced, sms  # noqa: E402

from bot.privacy import pseudonym  # noqa: E402

BIN = Path(sys.executable).parent
BENCH_VAR = ROOT / "var" / "bench" / "burst"
CAMPAIGN = "buses-2026"
REPLY = "YES"  # the invitation asks for consent


@dataclass
class BurstResult:
    replicas: int
    invitations: int
    invitations_sent: int
    invitation_seconds: float  # launch command to the last invitation the fake received
    wave_seconds_asked: float
    wave_seconds: float  # first reply posted to the last one taken (200)
    wave_taken: int  # replies the bot answered 200 to
    answers_per_second: float  # replies answered / (first arrival to last answer sent)
    drained_seconds: float  # from the last reply taken to the last answer sent
    latency_ms: dict[str, float | None]
    backlog: list[tuple[float, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def numbers(count: int) -> list[str]:
    return [f"+447500{index:06d}" for index in range(count)]


def engage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "engage"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"`engage {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def import_contacts(env: dict[str, str], phones: list[str], workdir: Path) -> None:
    sheet = workdir / "burst.csv"
    with sheet.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "language"])
        writer.writerows([number, "en"] for number in phones)
    engage(env, "contacts", "import", str(sheet), "--channel", "sms", "--group", "burst",
           "--source", "burst benchmark (invented numbers)")


def wait_until(check, limit: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False


def reply_wave(url: str, phones: list[str], within: float) -> tuple[list[int], float, float]:
    """Every resident's reply, their posting times spread evenly over `within` seconds.
    Returns the statuses, when the first was posted and when the last was taken."""
    start = time.monotonic() + 0.5
    gap = within / max(len(phones), 1)

    def reply(index: int) -> tuple[int, float]:
        delay = start + index * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sid = "SM" + hashlib.md5(f"burst:{phones[index]}".encode()).hexdigest()
        for _ in range(20):  # as Twilio does: a webhook not taken is sent again, same id
            try:
                status = sms(url, phones[index], REPLY, sid=sid)
            except OSError:
                status = 0
            if status == 200 or 400 <= status < 500:
                break
            time.sleep(0.5)
        return status, time.monotonic()

    with ThreadPoolExecutor(64) as pool:
        done = list(pool.map(reply, range(len(phones))))
    return [status for status, _ in done], start, max(at for _, at in done)


def problems(fleet: Balanced, phones: list[str]) -> list[str]:
    """Every reply applied and answered, each answer sent once and in order per resident,
    no step answered twice, every reply once in the tracker: counted in bulk."""
    ledger, found = fleet.ledger, []
    names = {pseudonym(SECRET, "twilio_sms", number): number for number in phones}
    inbox = Counter(status for (status,) in ledger._rows("SELECT status FROM inbox"))
    if inbox != Counter({"processed": len(phones)}):
        found.append(f"inbox: {dict(inbox)} (expected {len(phones)} processed)")
    unanswered = ledger._rows("SELECT count(*) FROM inbox i WHERE NOT EXISTS "
                              "(SELECT 1 FROM outbox o WHERE o.inbox_id = i.id)")[0][0]
    if unanswered:
        found.append(f"{unanswered} repl(y/ies) never answered")
    outbox: dict[str, list[str]] = defaultdict(list)
    for name, body in ledger._rows("SELECT pseudonym, body FROM outbox ORDER BY id"):
        outbox[names.get(name, name)].append(body)
    accepted: dict[str, list[str]] = defaultdict(list)
    for message in fleet.twilio.accepted:
        accepted[message.to].append(message.body)
    differ = [n for n in phones if outbox.get(n, []) != accepted.get(n, [])]
    if differ:
        found.append(f"{len(differ)} resident(s) whose messages the fake did not take once "
                     f"each, in order (e.g. ...{differ[0][-4:]})")
    twice = ledger._rows("SELECT count(*) FROM (SELECT r.participant_id, r.step_id FROM "
                         "responses r GROUP BY r.participant_id, r.step_id "
                         "HAVING count(*) > 1) AS doubled")[0][0]
    if twice:
        found.append(f"{twice} answer(s) recorded twice")
    found += ledger.tracker_problems()[:5]
    return found


def run(model: Path, replicas: int, count: int, within: float, time_limit: float) -> BurstResult:
    workdir = BENCH_VAR / f"replicas-{replicas}"
    workdir.mkdir(parents=True, exist_ok=True)
    clock = workdir / "clock"  # quiet hours would hold the launch at night: the stack reads midday
    clock.write_text("2026-11-24T12:00:00")
    phones = numbers(count)
    extra = {**UNPACED, "ENGAGE_CLOCK_FILE": str(clock), "RASA_TELEMETRY_ENABLED": "false"}
    with fresh_postgres_database(POSTGRES_URL, "engage_burst") as url, \
            balanced(model, url, workdir, count=replicas, extra_env=extra, worker=True) as fleet:
        env = {**os.environ, **fleet.fleet.config.extra_env, "ENGAGE_DATABASE_URL": url,
               "ENGAGE_SECRET_KEY": SECRET, "ENGAGE_ACTOR": "burst-benchmark"}
        print(f"  importing {count} contacts...", flush=True)
        import_contacts(env, phones, workdir)
        print("  launching...", flush=True)
        launched = time.monotonic()
        engage(env, "campaign", "launch", CAMPAIGN, "--audience", "burst", "--no-wait",
               "--by", "benchmark")
        reached = lambda: len({m.to for m in fleet.twilio.accepted}) >= count  # noqa: E731
        if not wait_until(reached, time_limit):
            raise SystemExit(f"only {len({m.to for m in fleet.twilio.accepted})} of {count} "
                             f"invitations went within {time_limit:.0f} s")
        invitation_seconds = time.monotonic() - launched
        print(f"  {count} invitations out in {invitation_seconds:.1f} s; the reply wave...",
              flush=True)
        with BacklogSampler(fleet.ledger) as sampler:
            statuses, wave_start, wave_end = reply_wave(fleet.url, phones, within)
            drained = wait_until(lambda: fleet.ledger.settled(count), time_limit, every=1.0)
            drained_seconds = time.monotonic() - wave_end
        rate, latencies = figures(fleet.ledger)
        found = problems(fleet, phones)
        if not drained:
            found.insert(0, f"not drained {time_limit:.0f} s after the wave")
        taken = statuses.count(200)
        if taken != count:
            found.append(f"webhooks not taken: {Counter(s for s in statuses if s != 200)}")
        return BurstResult(replicas, count, len({m.to for m in fleet.twilio.accepted}),
                           round(invitation_seconds, 1), within, round(wave_end - wave_start, 1),
                           taken, round(rate, 1), round(drained_seconds, 1),
                           stats.summarise(latencies), sampler.samples[::4], found)


def report(result: BurstResult) -> str:
    r = result
    return "\n".join([
        "| replicas | residents | invitations out (s) | wave asked (s) | wave taken (s) | "
        "answers/s | drained after the wave (s) | p50 ms | p95 ms | peak backlog | problems |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {r.replicas} | {r.invitations} | {r.invitation_seconds} | {r.wave_seconds_asked:g} | "
        f"{r.wave_seconds} | {r.answers_per_second} | {r.drained_seconds} | "
        f"{r.latency_ms['p50']} | {r.latency_ms['p95']} | "
        f"{max((w for _, w in r.backlog), default=0)} | {len(r.problems)} |"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.burst",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--within", type=float, default=60.0,
                        help="seconds over which every resident replies (60)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=1800.0,
                        help="seconds to wait for the invitations, and again for the drain")
    parser.add_argument("--model", default=str(ROOT / "models" / "engage.tar.gz"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print(f"{args.invitations} residents, {args.replicas} replica(s), every one replying "
          f"within {args.within:g} s...", flush=True)
    result = run(Path(args.model), args.replicas, args.invitations, args.within,
                 args.time_limit)
    print(report(result))
    print("backlog over time (s: waiting): " +
          " ".join(f"{t:g}:{w}" for t, w in result.backlog))
    for problem in result.problems:
        print(f"  problem: {problem}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine.describe(), "run": asdict(result)},
                                        indent=2))
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
