"""Shared pacing (GCRA) on the RatePacing table, so a rate holds across workers and processes.

Each caller reserves the next free slot of a key: slot = max(next_free, now), and next_free
moves on to slot + 1/rate, in one transaction. The UPDATE comes first, so SQLite takes its
write lock before reading anything (no read-then-write upgrade to fail) and PostgreSQL locks the
row; READ COMMITTED re-evaluates the SET on the latest row, so concurrent callers queue up.

The same table gives periodic jobs a lease (`take_turn`): with several workers, each periodic
job runs once per period however many consumers enqueue it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import transaction
from bot.store.models import RatePacing

_ATTEMPTS = 5  # an INSERT race on a new key is retried; more than two rounds never happens


def _advance(session: Session, key: str, now: float, step: float, only_if_free: bool) -> int:
    later = sa.case((RatePacing.next_free > now, RatePacing.next_free), else_=now)
    query = session.query(RatePacing).filter(RatePacing.key == key)
    if only_if_free:
        query = query.filter(RatePacing.next_free <= now)
        values = {RatePacing.next_free: now + step}
    else:
        values = {RatePacing.next_free: later + step}
    return query.update(values, synchronize_session=False)


def _insert(session: Session, key: str, next_free: float) -> bool:
    """Add the key's row; False when another transaction added it first."""
    try:
        with session.begin_nested():
            session.add(RatePacing(key=key, next_free=next_free))
        return True
    except IntegrityError:
        return False


def reserve_slot(factory: sessionmaker, key: str, rate_per_second: float,
                 clock: Callable[[], float] = time.time) -> float:
    """Reserve the next slot of `key` at `rate_per_second`; returns the slot (epoch seconds)."""
    if rate_per_second <= 0:
        raise ValueError("rate_per_second must be positive")
    step = 1.0 / rate_per_second
    for _ in range(_ATTEMPTS):
        with transaction(factory) as session:
            now = clock()
            if _advance(session, key, now, step, only_if_free=False):
                next_free = session.query(RatePacing.next_free).filter(
                    RatePacing.key == key).scalar()
                return float(next_free) - step
            if _insert(session, key, now + step):
                return now
    raise RuntimeError(f"could not reserve a slot for {key!r}")


def reserve(factory: sessionmaker, key: str, rate_per_second: float) -> float:
    """Reserve a slot; returns the seconds to wait before it (0 when it is now)."""
    return max(0.0, reserve_slot(factory, key, rate_per_second) - time.time())


def take_turn(factory: sessionmaker, key: str, hold_seconds: float,
              clock: Callable[[], float] = time.time) -> bool:
    """True for exactly one caller per `hold_seconds` for `key` (a lease that needs no release:
    a crashed holder's turn simply runs out)."""
    for _ in range(_ATTEMPTS):
        with transaction(factory) as session:
            now = clock()
            if _advance(session, key, now, hold_seconds, only_if_free=True):
                return True
            if session.query(RatePacing.key).filter(RatePacing.key == key).first() is not None:
                return False
            if _insert(session, key, now + hold_seconds):
                return True
    return False
