"""The movable clock and the quiet-hours arithmetic."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot import clock
from bot.quiet import hold_seconds, quiet_until


def utc(*parts: int) -> datetime:
    return datetime(*parts)


# --- clock ----------------------------------------------------------------------------------

def test_without_a_clock_file_now_is_the_real_time(monkeypatch):
    monkeypatch.delenv("ENGAGE_CLOCK_FILE", raising=False)
    real = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs((clock.now() - real).total_seconds()) < 1


def test_a_missing_clock_file_means_the_real_time(monkeypatch, tmp_path):
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(tmp_path / "nothing-here"))
    real = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs((clock.now() - real).total_seconds()) < 1


def test_the_clock_file_sets_now_and_time_runs_on_from_its_mtime(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    clock.write_clock_file(path, utc(2026, 12, 1, 20, 59, 50))
    assert abs((clock.now() - utc(2026, 12, 1, 20, 59, 50)).total_seconds()) < 1
    os.utime(path, (time.time() - 30, time.time() - 30))  # written 30 s ago
    assert abs((clock.now() - utc(2026, 12, 1, 21, 0, 20)).total_seconds()) < 1


def test_the_clock_file_may_carry_an_offset(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    path.write_text("2026-07-01T10:00:00+02:00\n")
    assert abs((clock.now() - utc(2026, 7, 1, 8, 0)).total_seconds()) < 1
    assert clock.now().tzinfo is None


def test_a_garbled_clock_file_falls_back_to_the_real_time(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    path.write_text("not a date")
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    real = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs((clock.now() - real).total_seconds()) < 1


# --- quiet hours ----------------------------------------------------------------------------

LONDON = "Europe/London"


@pytest.mark.parametrize("now, until", [
    (utc(2026, 12, 1, 20, 59, 59), None),  # London is on GMT in December
    (utc(2026, 12, 1, 21, 0), utc(2026, 12, 2, 8, 0)),
    (utc(2026, 12, 1, 23, 30), utc(2026, 12, 2, 8, 0)),
    (utc(2026, 12, 2, 0, 0), utc(2026, 12, 2, 8, 0)),
    (utc(2026, 12, 2, 7, 59, 59), utc(2026, 12, 2, 8, 0)),
    (utc(2026, 12, 2, 8, 0), None),
    (utc(2026, 12, 2, 12, 0), None),
])
def test_a_window_across_midnight(now, until):
    assert quiet_until(now, LONDON) == until


@pytest.mark.parametrize("now, until", [
    (utc(2026, 7, 1, 19, 59), None),  # BST: 20:59 local
    (utc(2026, 7, 1, 20, 0), utc(2026, 7, 2, 7, 0)),  # 21:00 local; ends 08:00 BST = 07:00 UTC
    (utc(2026, 7, 2, 6, 59), utc(2026, 7, 2, 7, 0)),
    (utc(2026, 7, 2, 7, 0), None),
])
def test_summer_time_is_local_time(now, until):
    assert quiet_until(now, LONDON) == until


def test_a_window_within_one_day():
    start, end = "13:00", "14:30"
    assert quiet_until(utc(2026, 12, 1, 12, 59), LONDON, start, end) is None
    assert quiet_until(utc(2026, 12, 1, 13, 0), LONDON, start, end) == utc(2026, 12, 1, 14, 30)
    assert quiet_until(utc(2026, 12, 1, 14, 30), LONDON, start, end) is None
    assert quiet_until(utc(2026, 12, 1, 23, 0), LONDON, start, end) is None


def test_other_zones():
    # New York, December: UTC-5. 21:00 local is 02:00 UTC the next day.
    assert quiet_until(utc(2026, 12, 2, 1, 59), "America/New_York") is None
    assert quiet_until(utc(2026, 12, 2, 2, 0), "America/New_York") == utc(2026, 12, 2, 13, 0)
    # Kolkata: UTC+5:30
    assert quiet_until(utc(2026, 12, 1, 15, 30), "Asia/Kolkata") == utc(2026, 12, 2, 2, 30)


def test_the_night_the_clocks_go_back_ends_at_local_eight():
    # 25 October 2026: BST ends at 02:00. 08:00 GMT that morning is 08:00 UTC.
    assert quiet_until(utc(2026, 10, 24, 22, 0), LONDON) == utc(2026, 10, 25, 8, 0)


def test_start_equal_to_end_means_no_quiet_hours():
    assert quiet_until(utc(2026, 12, 1, 23, 0), LONDON, "00:00", "00:00") is None


def test_an_aware_now_is_accepted():
    aware = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
    assert quiet_until(aware, LONDON) == utc(2026, 12, 2, 8, 0)


@pytest.mark.parametrize("tz, start", [("Mars/Olympus", "21:00"), (LONDON, "9pm")])
def test_bad_settings_are_refused(tz, start):
    with pytest.raises(ValueError):
        quiet_until(utc(2026, 12, 1, 22, 0), tz, start)


def test_callers_look_again_after_the_recheck_at_most():
    now = utc(2026, 12, 1, 22, 0)
    until = quiet_until(now, LONDON)
    assert hold_seconds(now, until, {"ENGAGE_QUIET_RECHECK": "60"}) == 60
    assert hold_seconds(now, until, {}) == 3600  # the default: an hour
    assert hold_seconds(now, now + timedelta(seconds=5), {"ENGAGE_QUIET_RECHECK": "60"}) == 5
