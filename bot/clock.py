"""The clock for quiet hours and reminder due times, which tests can move in running processes.

Everything else uses real time. With ENGAGE_CLOCK_FILE set and the file present, the file holds
an ISO datetime (UTC, naive or with an offset) that was "now" when the file was written; now()
is that plus the real time since the file's mtime. So a test writes "2026-12-01T20:59:50" and
every process (Rasa, the worker) sees the clock tick on from there, without a restart.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot import settings

logger = logging.getLogger(__name__)
ENV = "ENGAGE_CLOCK_FILE"


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def real_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def now() -> datetime:
    """Naive UTC: the clock file's time moved on by the real time since it was written, or the
    real time when there is no clock file (or it cannot be read)."""
    path = settings.value(ENV)
    if not path:
        return real_now()
    try:
        with open(path, encoding="utf-8") as clock_file:  # one file for both: a rename between
            mtime = os.fstat(clock_file.fileno()).st_mtime  # a stat and a read would pair the
            text = clock_file.read().strip()  # new date with the old file's mtime
    except FileNotFoundError:
        return real_now()
    try:
        base = _naive_utc(datetime.fromisoformat(text))
    except ValueError:
        logger.warning("%s holds no ISO datetime (%r); using the real time", ENV, text[:40])
        return real_now()
    return base + timedelta(seconds=time.time() - mtime)


def write_clock_file(path: str | os.PathLike[str], moment: datetime) -> None:
    """Set the clock of every process reading `path` to `moment` (UTC if naive), now.

    Written to a temporary file and renamed, so a reader never sees half a date; the rename
    keeps the new file's mtime, which is the moment the date applies to.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(_naive_utc(moment).isoformat() + "\n")
    os.replace(temporary, target)
