"""What the webhook fuzz modules share: one request over real HTTP, timed; a fingerprint of the
stored data; waiting for the stack to finish what it was given; the figures for the report;
and hypothesis settings sized by ENGAGE_FUZZ_EXAMPLES.

ENGAGE_FUZZ_EXAMPLES is the number of generated inputs for the whole suite (300 by default,
affordable in `make test`), shared out between the tests by the weights they pass to
`fuzz()`. Generation is derandomized, so a run is the same every time and in CI.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings

from bot.store.models import utcnow

EXAMPLES_ENV = "ENGAGE_FUZZ_EXAMPLES"
REPORT_ENV = "ENGAGE_FUZZ_REPORT"  # a file to write the figures to, as JSON
DEFAULT_EXAMPLES = 300
REPLY_SECONDS = 5.0  # "every reply within a few seconds"; a hang or a slow path fails
HTTP_TIMEOUT = 30.0
# Residents already in conversation when the fuzzing starts (tests/fuzz/conftest.py).
SMS_RESIDENT, WHATSAPP_RESIDENT, TELEGRAM_RESIDENT = "+447700900555", "+447700900556", 5550001


def examples(weight: float) -> int:
    total = int(os.environ.get(EXAMPLES_ENV) or DEFAULT_EXAMPLES)
    return max(2, round(total * weight))


def settle_time(weight: float) -> float:
    """Long enough for the Rasa turns of that many usable inputs, on a busy machine."""
    return 120 + 3 * examples(weight)


def fuzz(weight: float) -> settings:
    """Settings for one fuzz test: its share of the suite's examples, the same examples on
    every run, no deadline (the reply time is asserted by the test itself), nothing saved."""
    return settings(max_examples=examples(weight), derandomize=True, database=None,
                    deadline=None, suppress_health_check=list(HealthCheck),
                    phases=(Phase.explicit, Phase.generate, Phase.shrink), print_blob=False)


# --- the figures ---------------------------------------------------------------------------

@dataclass
class Figures:
    sent: int = 0
    server_errors: int = 0
    unusable: int = 0
    unusable_changed: int = 0  # inputs the bot cannot use after which stored data differed
    slowest: float = 0.0


FIGURES: dict[str, Figures] = defaultdict(Figures)


def figures_table() -> list[str]:
    lines = [f"{'webhook':<34} {'sent':>6} {'5xx':>4} {'unusable':>8} {'changed':>7} "
             f"{'slowest':>8}"]
    for path, fig in sorted(FIGURES.items()):
        lines.append(f"{path:<34} {fig.sent:>6} {fig.server_errors:>4} {fig.unusable:>8} "
                     f"{fig.unusable_changed:>7} {fig.slowest:>7.3f}s")
    return lines


def write_report() -> None:
    target = os.environ.get(REPORT_ENV)
    if target:
        Path(target).write_text(json.dumps(
            {"examples": int(os.environ.get(EXAMPLES_ENV) or DEFAULT_EXAMPLES),
             "webhooks": {path: vars(fig) for path, fig in sorted(FIGURES.items())}},
            indent=2))


# --- one request ---------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    @property
    def error(self) -> str:
        try:
            return str(json.loads(self.body).get("error"))
        except (ValueError, AttributeError):
            return self.body[:200].decode(errors="replace")


def post(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST over HTTP and time the reply. A dropped connection or a timeout counts as a 5xx:
    the bot did not answer."""
    request = urllib.request.Request(base_url + path, data=body, method="POST",
                                     headers=headers)
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as reply:
            status, content = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        status, content = 599, repr(error).encode()
    seconds = time.monotonic() - start
    figures = FIGURES[path.split("?")[0]]
    figures.sent += 1
    figures.server_errors += status >= 500
    figures.slowest = max(figures.slowest, seconds)
    return Answer(status, content, seconds)


def assert_answered(answer: Answer) -> None:
    assert answer.status < 500, f"{answer.status}: {answer.error}"
    assert answer.seconds < REPLY_SECONDS, f"answered in {answer.seconds:.1f}s"


# --- the stored data -----------------------------------------------------------------------

# Every store the bot writes, Rasa's tracker `events` included. Append-only tables by count
# and last id; tables whose rows change, by the columns that change too.
_FINGERPRINT = {
    "contacts": "count(*), max(id), count(opted_out_at), "
                "group_concat(coalesce(handle_digest, '-') || coalesce(language, '-'))",
    "inbox": "count(*), max(id), group_concat(status || attempts)",
    "outbox": "count(*), max(id), group_concat(status || coalesce(last_error, '-'))",
    "participants": "count(*), max(id), group_concat(status || consent || phase)",
    "responses": "count(*), max(id)",
    "consent_records": "count(*), max(id)",
    "erasures": "count(*), max(id)",
    "audit_log": "count(*), max(id)",
    "events": "count(*), max(id)",
}


class StoredData:
    """Reads the stack's database, as staff would see it."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)

    def fingerprint(self) -> dict[str, tuple]:
        with self.engine.connect() as connection:
            return {table: tuple(connection.execute(sa.text(
                f"SELECT {columns} FROM {table}")).one())  # our own constants
                for table, columns in _FINGERPRINT.items()}

    def scalar(self, query: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(query)).scalar_one()

    def busy(self) -> bool:
        """An inbox message pending, or a reply being sent or due to be (one held back by
        quiet hours is not due)."""
        with self.engine.connect() as connection:
            if connection.execute(sa.text(
                    "SELECT count(*) FROM inbox WHERE status = 'pending'")).scalar_one():
                return True
            due = connection.execute(sa.text(
                "SELECT status, next_attempt_at FROM outbox "
                "WHERE status IN ('queued', 'sending')")).all()
        now = utcnow()
        return any(status == "sending" or _as_datetime(when) <= now for status, when in due)

    def settle(self, timeout: float = 180, quiet: float = 1.5) -> dict[str, tuple]:
        """Wait until nothing is busy and nothing has changed for `quiet` seconds (Rasa
        writes its events just after the action applies a message)."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            now = self.fingerprint()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet and not self.busy():
                return now
            time.sleep(0.2)
        raise AssertionError(f"the stack did not settle within {timeout:.0f}s")

    def dispose(self) -> None:
        self.engine.dispose()


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def unchanged(stored: StoredData, before: dict[str, tuple], path: str) -> None:
    """For an input the bot cannot use: nothing stored or changed anywhere."""
    figures = FIGURES[path]
    figures.unusable += 1
    after = stored.fingerprint()
    if after != before:
        figures.unusable_changed += 1
        changed = {table: (before[table], after[table]) for table in before
                   if before[table] != after[table]}
        raise AssertionError(f"stored data changed: {changed}")
