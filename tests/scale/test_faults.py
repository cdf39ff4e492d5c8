"""Two replicas behind a real HAProxy, on PostgreSQL and Redis, while things break: residents
keep texting through the load balancer while (a) a Rasa replica is killed and started again,
(b) Redis (Rasa's lock store) restarts, (c) every PostgreSQL connection is dropped. Counted
afterwards from the database: every message applied once, in the order sent, in Rasa's
tracker store; every one answered; every answer sent once, in order; the time until the
backlog drained (printed; `pytest -s` shows it).

The provider resends a webhook that did not get 200 with the same MessageSid, as Twilio's
retries do; the inbox records it once. HAProxy itself retries a request whose replica refused
the connection on another replica (bot/haproxy.py).
"""

from __future__ import annotations

import time

import pytest
from databases import fresh_postgres_database
from scale_helpers import (
    balanced,
    delivery_problems,
    drained_after,
    end_connections,
    in_background,
    kill_a_replica,
    phone,
    run_load,
)

pytestmark = [pytest.mark.rasa, pytest.mark.postgres]
RESIDENTS = 10
DRAIN_LIMIT = 75  # seconds: a killed replica's claims (6 s here) and lock tickets (15 s) included


@pytest.fixture(scope="module")
def two(rasa_model, postgres_url, tmp_path_factory):
    with fresh_postgres_database(postgres_url, "engage_faults") as url, \
            balanced(rasa_model, url, tmp_path_factory.mktemp("faults")) as running:
        running.admin_url = postgres_url
        yield running


def load_with(two, block: int, fault) -> tuple[list[str], float, object]:
    """Residents of `block` text through the load balancer; `fault()` runs once they have
    begun. Returns their numbers, seconds from the fault's end until the backlog drained,
    and the load's result."""
    phones = [phone(n, block) for n in range(RESIDENTS)]
    before = sum(two.ledger.inbox().values())
    load = in_background(lambda: run_load(two.url, phones))
    time.sleep(1.5)
    fault()
    over = time.monotonic()
    result = load.result(timeout=120)
    drained = drained_after(two.ledger, before + RESIDENTS * 5, over, timeout=DRAIN_LIMIT)
    print(f"\nblock {block}: drained {drained:.1f} s after the fault; "
          f"{result.resent} webhook(s) resent; inbox {two.ledger.inbox()}")
    return phones, drained, result


def check(two, phones: list[str], first: int, result) -> None:
    assert result.statuses == [200] * len(result.statuses)
    assert two.ledger.tracker_problems(after=first) == []
    assert delivery_problems(two.ledger, two.twilio, phones) == []
    claims = two.ledger._rows("SELECT count(*) FROM inbox_claims")[0][0]
    assert claims == 0


def test_a_killed_replica_loses_nothing_and_its_residents_carry_on(two):
    first = two.ledger.last_inbox_id()
    phones, drained, result = load_with(two, 21, lambda: kill_a_replica(two))
    check(two, phones, first, result)
    assert drained < DRAIN_LIMIT


def test_a_redis_restart_loses_nothing(two):
    first = two.ledger.last_inbox_id()
    phones, drained, result = load_with(two, 22, lambda: two.redis.restart(down_for=2))
    check(two, phones, first, result)


def test_dropped_database_connections_lose_nothing(two):
    first = two.ledger.last_inbox_id()
    ended: list[int] = []
    phones, drained, result = load_with(
        two, 23, lambda: ended.extend(end_connections(two.admin_url, two.ledger.url)))
    assert sum(ended) > 0  # there were connections to end
    check(two, phones, first, result)
