"""Engines and transactions. SQLite gets WAL and a busy timeout, since Rasa and the action
server write to the same file from two processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite"):
        # SQLAlchemy 1.4 defaults file SQLite to NullPool: a new connection, four PRAGMAs and a
        # WAL checkpoint on every transaction. A small pool keeps them open (see benchmarks).
        engine = sa.create_engine(url, connect_args={"timeout": 10, "check_same_thread": False},
                                  poolclass=sa.pool.QueuePool, pool_size=5, max_overflow=10)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    return make_engine(url)


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False, future=True)


@contextmanager
def transaction(factory: sessionmaker) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
