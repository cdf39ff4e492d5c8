"""Two Rasa replicas on one PostgreSQL database never hand the same inbox message to Rasa
twice, and keep each resident's messages in order, whichever replica received them.

Before the inbox's per-resident claim, each replica's order was an asyncio lock of its own:
a resident's second message arriving at replica B while A was still on the first made B hand
the first to Rasa too (B's look-up starts at the oldest pending row), and after an outage both
replicas' retry loops took the same due rows. The action then did nothing the second time
(the row was already processed) but Rasa's tracker store recorded the user message twice.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from databases import fresh_postgres_database
from scale_helpers import delivery_problems, phone, replicas, sms, wait_for

pytestmark = [pytest.mark.rasa, pytest.mark.postgres]
RESIDENTS = 12


@pytest.fixture(scope="module")
def two(rasa_model, postgres_url, tmp_path_factory):
    with fresh_postgres_database(postgres_url, "engage_scale") as url, \
            replicas(rasa_model, url, tmp_path_factory.mktemp("two")) as running:
        yield running


def test_messages_arriving_at_both_replicas_are_applied_once_in_order(two):
    """Each resident's first message goes to replica A and the next, at once, to B."""
    before, first = sum(two.ledger.inbox().values()), two.ledger.last_inbox_id()

    def resident(number: int) -> list[int]:
        return [sms(two.url(0), phone(number, 11), "BUSES"),
                sms(two.url(1), phone(number, 11), "1"),
                sms(two.url(0), phone(number, 11), "YES")]

    with ThreadPoolExecutor(RESIDENTS) as pool:
        statuses = [s for got in pool.map(resident, range(RESIDENTS)) for s in got]
    assert statuses == [200] * (3 * RESIDENTS)
    wait_for(lambda: two.ledger.settled(before + 3 * RESIDENTS))
    assert two.ledger.tracker_problems(after=first) == []
    # and every message answered once, the answers sent once, in order
    assert delivery_problems(two.ledger, two.twilio,
                             [phone(n, 11) for n in range(RESIDENTS)]) == []


def test_due_messages_after_an_outage_are_applied_once(two):
    """Both action servers down: messages wait in the inbox, then both replicas' retry
    loops find them due at the same moment."""
    before, first = sum(two.ledger.inbox().values()), two.ledger.last_inbox_id()
    for stack in two.stacks:
        stack.processes["actions"].stop()
    with ThreadPoolExecutor(RESIDENTS) as pool:
        statuses = list(pool.map(lambda n: sms(two.url(n % 2), phone(n, 12), "BUSES"),
                                 range(RESIDENTS)))
    assert statuses == [200] * RESIDENTS
    wait_for(lambda: two.ledger.inbox().get("pending", 0) >= RESIDENTS)
    for stack in two.stacks:
        stack.start_actions()
    for stack in two.stacks:
        stack.wait_until_ready()
    wait_for(lambda: two.ledger.settled(before + RESIDENTS), timeout=120)
    assert two.ledger.tracker_problems(after=first) == []
    assert delivery_problems(two.ledger, two.twilio,
                             [phone(n, 12) for n in range(RESIDENTS)]) == []
