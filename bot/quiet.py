"""Quiet hours: no campaign-initiated message goes out at night in the campaign's time zone.

Replies to a resident who has just written are never held; callers decide that. Callers never
sleep until the end of the quiet period either: they look again after
min(remaining, ENGAGE_QUIET_RECHECK seconds), so a moved clock (a test's clock file, a
corrected system clock) is noticed. The end is computed in local time, so DST needs no
recheck; the default (an hour) keeps 10,000 invitations held overnight from waking the
worker every minute, and never delays the morning: the last wait ends exactly at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import settings

DEFAULT_START, DEFAULT_END = "21:00", "08:00"
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_RECHECK = 3600.0


def _clock_time(value: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"quiet hours must be HH:MM, not {value!r}") from None


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r} (use a name like Europe/London)") from None


def quiet_until(now_utc: datetime, tz: str, start: str = DEFAULT_START,
                end: str = DEFAULT_END) -> datetime | None:
    """The end (naive UTC) of the quiet period `now_utc` falls in, or None if it is not quiet.

    `start`/`end` are local wall-clock times in `tz`. A window may cross midnight (21:00-08:00)
    or not (13:00-14:00); start == end means no quiet hours. Raises ValueError for an unknown
    zone or a malformed time.
    """
    first, last = _clock_time(start), _clock_time(end)
    info = zone(tz)
    if first == last:
        return None
    aware = now_utc.replace(tzinfo=timezone.utc) if now_utc.tzinfo is None else now_utc
    local = aware.astimezone(info)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    if first < last:  # within one day
        if not first <= clock < last:
            return None
        end_day = today
    else:  # across midnight
        if last <= clock < first:
            return None
        end_day = today if clock < last else today + timedelta(days=1)
    end_local = datetime.combine(end_day, last, tzinfo=info)
    until = end_local.astimezone(timezone.utc).replace(tzinfo=None)
    naive_now = aware.astimezone(timezone.utc).replace(tzinfo=None)
    return max(until, naive_now + timedelta(seconds=1))  # DST oddities: always some way ahead


def recheck_seconds(env: Mapping[str, str] | None = None) -> float:
    """ENGAGE_QUIET_RECHECK: the longest a caller waits before looking at the clock again."""
    env = settings.environ() if env is None else env
    return float(env.get("ENGAGE_QUIET_RECHECK") or DEFAULT_RECHECK)


def hold_seconds(now_utc: datetime, until: datetime, env: Mapping[str, str] | None = None) -> float:
    """How long to wait before looking again: the rest of the quiet period, at most the recheck."""
    return max(0.0, min((until - now_utc).total_seconds(), recheck_seconds(env)))


def campaign_window(definition: Mapping[str, Any] | None) -> tuple[str, str, str]:
    """(time zone, start, end) of a stored campaign definition's quiet hours, with the
    campaign format's defaults (Europe/London, 21:00-08:00)."""
    definition = definition or {}
    hours = definition.get("quiet_hours") or {}
    return (str(definition.get("timezone") or DEFAULT_TIMEZONE),
            str(hours.get("start", DEFAULT_START)), str(hours.get("end", DEFAULT_END)))


def quiet_until_safe(now_utc: datetime, tz: str, start: str, end: str) -> datetime | None:
    """quiet_until, but a bad zone or window falls back to the defaults: never treat a typo
    as daytime."""
    try:
        return quiet_until(now_utc, tz, start, end)
    except ValueError:
        return quiet_until(now_utc, DEFAULT_TIMEZONE)


def local_time(moment_utc: datetime, tz: str, pattern: str = "%H:%M") -> str:
    """A naive UTC moment as wall-clock time in `tz` (for staff)."""
    try:
        info = zone(tz)
    except ValueError:
        info = zone(DEFAULT_TIMEZONE)
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(info).strftime(pattern)
