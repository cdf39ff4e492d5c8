"""Quiet hours explained as they are, in the campaign's time zone, by the movable clock
(bot.clock): the dry run, --no-wait, --at and the progress view say when it is quiet hours
now and when sending starts, and never claim the worker is sending what it holds."""

from __future__ import annotations

import io
from datetime import datetime

from launch_helpers import GROUP, SLUG, Queue, audience, publish

from bot.cli import main
from bot.clock import write_clock_file
from bot.launch import running as launching
from bot.launch.running import launch, watch


def test_the_dry_run_says_it_is_quiet_hours_and_when_sending_starts(env, factory, capsys,
                                                                    daytime):
    audience(factory)
    write_clock_file(daytime, datetime(2026, 12, 1, 22, 15))  # Tuesday, 22:15 in London
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert ("It is quiet hours in Europe/London now (22:15 there; quiet hours 21:00-08:00): "
            "nothing is sent until 08:00 tomorrow. Sending would start then (2026-12-02 08:00 "
            "Europe/London), at each channel's own rate.") in out, out
    assert "Sending would start now" not in out


def test_the_campaigns_own_zone(env, factory, capsys, daytime):
    audience(factory)
    publish(factory, timezone="America/New_York", quiet_hours={"start": "20:00", "end": "09:00"})
    write_clock_file(daytime, datetime(2026, 12, 1, 12, 0))  # 07:00 in New York
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "It is quiet hours in America/New_York now (07:00 there; quiet hours 20:00-09:00): " \
           "nothing is sent until 09:00 today." in out, out
    write_clock_file(daytime, datetime(2026, 12, 1, 15, 0))  # 10:00 in New York
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run"]) == 0
    assert "Sending would start now (10:00 in America/New_York)" in capsys.readouterr().out


def test_a_start_time_in_quiet_hours_says_when_it_really_starts(env, factory, capsys):
    audience(factory)
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--dry-run",
                 "--at", "2099-07-01 22:30"]) == 0
    out = capsys.readouterr().out
    assert ("Sending would start 2099-07-01 22:30 (Europe/London), but that is in quiet hours "
            "(quiet hours 21:00-08:00 Europe/London): it would start at 2099-07-02 08:00") in out


def test_no_wait_in_quiet_hours_says_the_worker_holds_them(env, factory, capsys, daytime,
                                                          monkeypatch):
    audience(factory)
    monkeypatch.setattr(launching, "default_enqueue", Queue())
    write_clock_file(daytime, datetime(2026, 12, 1, 23, 0))
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--no-wait"]) == 0
    out = capsys.readouterr().out
    assert "is sending them" not in out
    assert ("It is quiet hours in Europe/London now (23:00 there; quiet hours 21:00-08:00): "
            "nothing is sent until 08:00 tomorrow. The worker holds the invitations until "
            "then, and then sends them.") in out, out


def test_no_wait_in_the_day_says_it_is_sending(env, factory, capsys, monkeypatch):
    audience(factory)
    monkeypatch.setattr(launching, "default_enqueue", Queue())
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--no-wait"]) == 0
    assert "The worker is sending them now." in capsys.readouterr().out


def test_the_progress_view_says_it_is_quiet_hours_first(factory, daytime):
    audience(factory)
    result = launch(factory, SLUG, GROUP, enqueue=Queue())
    write_clock_file(daytime, datetime(2026, 12, 1, 21, 30))
    out = io.StringIO()
    ticks = iter(range(40))
    clock_now = [0.0]

    def sleep(seconds: float) -> None:
        clock_now[0] += seconds
        if next(ticks) == 35:
            raise KeyboardInterrupt  # the officer stops watching

    try:
        watch(factory, result.invitation_ids, result.plan, out=out, sleep=sleep,
              clock=lambda: clock_now[0])
    except KeyboardInterrupt:
        pass
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("It is quiet hours in Europe/London now (21:30 there; quiet "
                               "hours 21:00-08:00): nothing is sent until 08:00 tomorrow."), lines
    assert "0/7  sent 0  failed 0  queued 7" in lines[1]
    # the hint for a stall names the quiet hours too, not only a missing worker
    assert any("nothing is sent until 08:00 tomorrow" in line and "Nothing has moved" in line
               for line in lines[2:])


def test_a_launch_at_a_time_in_quiet_hours_says_when_the_worker_starts(env, factory, capsys,
                                                                       monkeypatch):
    audience(factory)
    monkeypatch.setattr(launching, "default_enqueue", Queue())
    assert main(["campaign", "launch", SLUG, "--audience", GROUP, "--at",
                 "2099-07-01 22:30"]) == 0
    assert ("The worker sends them from 2099-07-02 08:00 (Europe/London): 2099-07-01 22:30 is "
            "in the campaign's quiet hours.") in capsys.readouterr().out
