"""`make bench`, part three: the same load through HAProxy against 1, 2 and 3 replicas.

    .venv/bin/python -m bench.scaleout                       # 1, 2 and 3 replicas, 20 residents
    .venv/bin/python -m bench.scaleout --replicas 1 2 --residents 40 --json var/bench/scaleout.json

Each run: a fresh PostgreSQL database, a private Redis (Rasa's lock store), N replicas (a Rasa
server and its action server each) behind a real HAProxy (bot/fleet.py, as `engage run
--replicas N`), the fake Twilio API on 127.0.0.1. Every resident texts the same five messages
(keyword, language, consent, past the intro, an answer) through the load balancer, a short
pause between them; the SMS rate limit is off. Figures, all counted from the database afterwards: messages per second
(first received to last answer sent), p95 from a message's arrival to its answer's send, the
backlog (messages waiting in the inbox and answers waiting in the outbox) over time, and
messages lost, duplicated or out of order (the checks of tests/scale/test_faults.py).
Exit status 1 when a run lost, duplicated or reordered anything, or did not drain.

Needs PostgreSQL (ENGAGE_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test),
/usr/bin/redis-server and haproxy (scripts/ensure-haproxy).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import machine, stats
from bench.databases import POSTGRES_URL
from bot.config import ROOT

sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "scale")]  # fakes, the fleet harness

from databases import fresh_postgres_database  # noqa: E402
from scale_helpers import (  # noqa: E402
    SCRIPT,
    Ledger,
    balanced,
    delivery_problems,
    drained_after,
    phone,
    run_load,
)

BENCH_VAR = ROOT / "var" / "bench" / "scaleout"
# The SMS rate limit (10/s by default, shared by every replica) would measure the provider's
# pace, not the replicas': off here, as in bench.launch's first run.
UNPACED = {"ENGAGE_RATE_SMS": "100000"}


@dataclass
class RunResult:
    replicas: int
    residents: int
    messages: int
    messages_per_second: float
    latency_ms: dict[str, float | None]  # arrival to the answer's send
    drained_seconds: float  # from the last webhook to the last answer sent
    backlog: list[tuple[float, int]] = field(default_factory=list)  # (s, waiting)
    lost_or_twice: list[str] = field(default_factory=list)
    resent: int = 0


class BacklogSampler:
    """Messages waiting (inbox pending, outbox queued or sending), twice a second."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.samples = ledger, []
        self._stop, self._start = threading.Event(), time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            waiting = self.ledger._rows(
                "SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') + "
                "(SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending'))")[0][0]
            self.samples.append((round(time.monotonic() - self._start, 1), waiting))

    def __enter__(self) -> BacklogSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def figures(ledger: Ledger) -> tuple[float, list[float]]:
    """Messages per second and each message's arrival-to-answer time (ms), from the rows."""
    rows = ledger._rows(
        "SELECT i.received_at, min(o.sent_at) FROM inbox i JOIN outbox o ON o.inbox_id = i.id "
        "GROUP BY i.id, i.received_at")
    if not rows:
        return 0.0, []
    latencies = [(sent - received).total_seconds() * 1000 for received, sent in rows if sent]
    first = min(received for received, _ in rows)
    last = max(sent for _, sent in rows if sent)
    return len(rows) / max((last - first).total_seconds(), 0.001), latencies


def run(model: Path, replicas: int, residents: int, pause: float) -> RunResult:
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    workdir = BENCH_VAR / f"replicas-{replicas}"
    workdir.mkdir(exist_ok=True)
    with fresh_postgres_database(POSTGRES_URL, "engage_scaleout") as url, \
            balanced(model, url, workdir, count=replicas, extra_env=UNPACED) as fleet:
        phones = [phone(n, 40 + replicas) for n in range(residents)]
        with BacklogSampler(fleet.ledger) as sampler:
            load = run_load(fleet.url, phones, pause=pause)
            sent = time.monotonic()
            drained = drained_after(fleet.ledger, residents * len(SCRIPT), sent, timeout=300)
        rate, latencies = figures(fleet.ledger)
        problems = fleet.ledger.tracker_problems() + \
            delivery_problems(fleet.ledger, fleet.twilio, phones)
        if any(status != 200 for status in load.statuses):
            problems.append(f"webhooks not taken: {sorted(set(load.statuses))}")
        return RunResult(replicas, residents, residents * len(SCRIPT), round(rate, 1),
                         stats.summarise(latencies), round(drained, 1), sampler.samples,
                         problems, load.resent)


def report(results: list[RunResult]) -> str:
    lines = ["| replicas | residents | messages | messages/s | p50 ms | p95 ms | drained after "
             "last webhook (s) | peak backlog | lost, twice or out of order |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        peak = max((waiting for _, waiting in r.backlog), default=0)
        lines.append(f"| {r.replicas} | {r.residents} | {r.messages} | {r.messages_per_second} "
                     f"| {r.latency_ms['p50']} | {r.latency_ms['p95']} | {r.drained_seconds} "
                     f"| {peak} | {len(r.lost_or_twice)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds between one resident's messages")
    parser.add_argument("--model", default=str(ROOT / "models" / "engage.tar.gz"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    for count in args.replicas:
        print(f"{count} replica(s), {args.residents} residents...", flush=True)
        result = run(Path(args.model), count, args.residents, args.pause)
        print(f"  {result.messages_per_second} messages/s, p95 {result.latency_ms['p95']} ms, "
              f"drained {result.drained_seconds} s after the last webhook, "
              f"{len(result.lost_or_twice)} problem(s)", flush=True)
        for problem in result.lost_or_twice:
            print(f"  {problem}", flush=True)
        results.append(result)
    print(report(results))
    print("backlog over time (s: waiting):")
    for r in results:
        print(f"  {r.replicas}: " + " ".join(f"{t:g}:{w}" for t, w in r.backlog[::2]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine.describe(),
                                         "runs": [asdict(r) for r in results]}, indent=2))
    return 1 if any(r.lost_or_twice for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
