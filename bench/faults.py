"""`make bench`, part five: the faults of tests/scale/test_faults.py at the production defaults.

    .venv/bin/python -m bench.faults                         # 20 residents, each fault once
    .venv/bin/python -m bench.faults --residents 40 --json var/bench/faults.json

The tests shorten the inbox claim (6 s) and Rasa's lock tickets (15 s) to stay short; here
they keep the defaults an operator gets (ENGAGE_INBOX_CLAIM_SECONDS 30 s, TICKET_LOCK_LIFETIME
60 s, the sender's 30 s lease). Two replicas behind HAProxy on PostgreSQL and a private Redis;
residents text the five-message script through the load balancer while (a) a Rasa replica is
SIGKILLed and started again by the supervisor, (b) Redis restarts (2 s down), (c) every
PostgreSQL connection of the database is ended three times a second apart. For each: how long
after the fault the backlog drained, and, counted from the database, messages lost, doubled
or out of order. Exit status 1 when any were, or a backlog did not drain in 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import machine
from bench.scaleout import POSTGRES_URL
from bot.config import ROOT

sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "scale")]  # fakes, the fleet harness

from databases import fresh_postgres_database  # noqa: E402
from scale_helpers import (  # noqa: E402
    SCRIPT,
    Balanced,
    balanced,
    delivery_problems,
    drained_after,
    end_connections,
    in_background,
    kill_a_replica,
    phone,
    run_load,
)

BENCH_VAR = ROOT / "var" / "bench" / "faults"
DRAIN_LIMIT = 300.0


@dataclass
class FaultResult:
    fault: str
    residents: int
    messages: int
    fault_seconds: float  # how long the fault itself lasted (kill until ready again...)
    drained_seconds: float  # from the fault's end until every message was applied and sent
    resent: int  # webhooks the provider had to send again
    problems: list[str] = field(default_factory=list)


def restart_redis(fleet: Balanced) -> None:
    fleet.redis.restart(down_for=2)


FAULTS = {"replica killed": lambda fleet: kill_a_replica(fleet, ready_within=180),
          "Redis restarted": restart_redis,
          "PostgreSQL connections dropped": lambda fleet: end_connections(POSTGRES_URL,
                                                                          fleet.ledger.url)}


def one_fault(fleet: Balanced, name: str, block: int, residents: int) -> FaultResult:
    phones = [phone(n, block) for n in range(residents)]
    first = fleet.ledger.last_inbox_id()
    before = sum(fleet.ledger.inbox().values())
    load = in_background(lambda: run_load(fleet.url, phones))
    time.sleep(1.5)
    began = time.monotonic()
    FAULTS[name](fleet)
    over = time.monotonic()
    result = load.result(timeout=600)
    problems: list[str] = []
    try:
        drained = drained_after(fleet.ledger, before + residents * len(SCRIPT), over,
                                timeout=DRAIN_LIMIT)
    except AssertionError as error:
        drained, problems = float("nan"), [str(error)]
    problems += fleet.ledger.tracker_problems(after=first)
    problems += delivery_problems(fleet.ledger, fleet.twilio, phones)
    if any(status != 200 for status in result.statuses):
        problems.append(f"webhooks not taken: {sorted(set(result.statuses))}")
    return FaultResult(name, residents, residents * len(SCRIPT), round(over - began, 1),
                       round(drained, 1), result.resent, problems)


def report(results: list[FaultResult]) -> str:
    lines = ["| fault (production defaults) | residents | messages | fault lasted (s) | "
             "drained after it (s) | webhooks resent | lost, twice or out of order |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r.fault} | {r.residents} | {r.messages} | {r.fault_seconds} | "
              f"{r.drained_seconds} | {r.resent} | {len(r.problems)} |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--model", default=str(ROOT / "models" / "engage.tar.gz"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    results = []
    with fresh_postgres_database(POSTGRES_URL, "engage_faults_bench") as url, \
            balanced(Path(args.model), url, BENCH_VAR, count=2, recovery={}) as fleet:
        for block, name in enumerate(FAULTS, start=61):
            print(f"{name}, {args.residents} residents texting...", flush=True)
            result = one_fault(fleet, name, block, args.residents)
            print(f"  drained {result.drained_seconds} s after the fault "
                  f"({len(result.problems)} problem(s))", flush=True)
            for problem in result.problems[:10]:
                print(f"  problem: {problem}", flush=True)
            results.append(result)
    print(report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine.describe(),
                                         "runs": [asdict(r) for r in results]}, indent=2))
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
