"""Prometheus metrics for every process (prometheus-client), on `/metrics`.

Counted in the process: messages in and out per channel, failed sends per channel, the
latency of each Rasa turn. Read from the database at each scrape (so every replica shows the
same, shared figures; take `max` across replicas): inbox backlog, outbox backlog and failures
per channel, each launch's invitations by status. ENGAGE_METRICS_TOKEN, when set, is the
bearer token a scraper must send; without it the metrics are open (keep them off the
internet: they carry counts, never names or numbers).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot import settings
from bot.store.db import engine_for

TOKEN_ENV = "ENGAGE_METRICS_TOKEN"
RECENT_LAUNCHES = 20  # launch progress is shown for the newest launches only
logger = logging.getLogger(__name__)

MESSAGES_IN = Counter("engage_messages_in", "Messages received from residents", ["channel"])
MESSAGES_OUT = Counter("engage_messages_out", "Messages sent to residents", ["channel"])
SEND_FAILURES = Counter("engage_send_failures", "Send attempts that failed", ["channel"])
TURN_SECONDS = Histogram("engage_turn_seconds", "Seconds Rasa took for one resident's turn",
                         ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                               10, 30))


class DatabaseCollector(Collector):
    """The shared backlog figures, read at scrape time; nothing when the database is down
    (then `engage_database_up` is 0)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("engage_database_up", "Whether the database answered the scrape")
        try:
            families = list(self._families())
        except Exception:  # noqa: BLE001 - a scrape must not fail with the database
            logger.warning("Metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[GaugeMetricFamily]:
        with engine_for(self.url).connect() as connection:
            inbox = connection.execute(sa.text(
                "SELECT channel, status, count(*) FROM inbox WHERE status != 'processed' "
                "GROUP BY channel, status")).all()
            outbox = connection.execute(sa.text(
                "SELECT channel, status, count(*) FROM outbox "
                "WHERE status IN ('queued', 'sending', 'held', 'failed') "
                "GROUP BY channel, status")).all()
            launches = connection.execute(sa.text(
                "SELECT launch_id, status, count(*) FROM invitations WHERE launch_id IN "
                f"(SELECT id FROM launches ORDER BY id DESC LIMIT {RECENT_LAUNCHES}) "
                "GROUP BY launch_id, status")).all()
        backlog = GaugeMetricFamily("engage_inbox_backlog", "Inbox messages not yet applied",
                                    labels=["channel", "status"])
        for channel, status, count in inbox:
            backlog.add_metric([channel, status], count)
        yield backlog
        waiting = GaugeMetricFamily("engage_outbox_backlog", "Outgoing messages not yet sent",
                                    labels=["channel", "status"])
        failed = GaugeMetricFamily("engage_outbox_failed", "Outgoing messages that failed "
                                   "for good", labels=["channel"])
        for channel, status, count in outbox:
            if status == "failed":
                failed.add_metric([channel], count)
            else:
                waiting.add_metric([channel, status], count)
        yield waiting
        yield failed
        progress = GaugeMetricFamily("engage_launch_invitations", "Invitations of the newest "
                                     "launches by status", labels=["launch", "status"])
        for launch_id, status, count in launches:
            progress.add_metric([str(launch_id), status], count)
        yield progress


_collector: DatabaseCollector | None = None


def watch_database(url: str) -> None:
    """Add the database figures to this process's metrics. One collector per process (its
    metric names may be registered once); a process serving another database (tests do)
    moves it there."""
    global _collector
    if _collector is None:
        _collector = DatabaseCollector(url)
        REGISTRY.register(_collector)
    else:
        _collector.url = url


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str


def scrape(authorization: str | None, env: dict[str, str] | None = None) -> Reply:
    """The `/metrics` answer for a request with this Authorization header."""
    token = settings.value(TOKEN_ENV, env)
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.encode()):
            return Reply(401, b"A valid metrics token is required (Authorization: Bearer "
                              b"... with ENGAGE_METRICS_TOKEN).\n", "text/plain; charset=utf-8")
    return Reply(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
