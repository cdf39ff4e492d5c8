"""Shared pacing: concurrent reservations, from threads and from processes, on SQLite and
PostgreSQL, get slots exactly 1/rate apart, none twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.outbound.pacing import reserve, reserve_slot, take_turn
from bot.store.db import session_factory

ROOT = Path(__file__).resolve().parents[2]
RATE = 4.0  # a step of 0.25 s: exact in floating point, so the spacing can be compared exactly
# Processes can be starved of the CPU for longer than 0.25 s on a loaded machine, and a key
# left idle past its next slot rightly starts again from now: a 4 s step (also exact) keeps
# the reservations back to back however slowly the processes start.
PROCESS_RATE = 0.25


def assert_evenly_spaced(slots: list[float], count: int, rate: float = RATE) -> None:
    assert len(slots) == count
    assert len(set(slots)) == count, "two callers got the same slot"
    ordered = sorted(slots)
    gaps = [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]
    assert gaps == pytest.approx([1 / rate] * (count - 1), abs=1e-6)


def test_a_first_reservation_is_now_and_the_next_one_step_later(db_url):
    factory = session_factory(db_url)
    first = time.time()
    assert reserve(factory, "send:twilio_sms", RATE) == 0.0
    wait = reserve(factory, "send:twilio_sms", RATE)
    elapsed = time.time() - first  # a loaded machine may take a while between the two
    assert 0.25 - elapsed - 0.01 <= wait <= 0.25 and wait > 0
    assert reserve(factory, "send:telegram", RATE) == 0.0  # keys are independent


def test_an_idle_key_starts_again_from_now(sqlite_url):
    factory = session_factory(sqlite_url)
    assert reserve_slot(factory, "k", RATE, clock=lambda: 1000.0) == 1000.0
    assert reserve_slot(factory, "k", RATE, clock=lambda: 1000.1) == 1000.25
    assert reserve_slot(factory, "k", RATE, clock=lambda: 2000.0) == 2000.0


def test_rate_must_be_positive(sqlite_url):
    with pytest.raises(ValueError):
        reserve(session_factory(sqlite_url), "k", 0)


def test_threads_reserving_at_once(db_url):
    factory = session_factory(db_url)
    threads, each = 6, 8
    slots: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(each):
                slot = reserve_slot(factory, "invite:twilio_sms", RATE)
                with lock:
                    slots.append(slot)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    runners = [threading.Thread(target=work) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(60)
    assert not errors
    assert_evenly_spaced(slots, threads * each)


CHILD = """
import json, os, sys, time
from bot.outbound.pacing import reserve_slot
from bot.store.db import session_factory
factory = session_factory(sys.argv[1])
go = sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.005)
print(json.dumps([reserve_slot(factory, "invite:telegram", float(sys.argv[3]))
                  for _ in range(int(sys.argv[4]))]))
"""


def test_processes_reserving_at_once(db_url, tmp_path):
    processes, each = 4, 6
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(go), str(PROCESS_RATE),
                                  str(each)], stdout=subprocess.PIPE, env=env, cwd=ROOT)
                for _ in range(processes)]
    time.sleep(1.5)  # let them all import and wait at the start line
    go.touch()
    slots: list[float] = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        slots.extend(json.loads(out))
    assert_evenly_spaced(slots, processes * each, PROCESS_RATE)


def test_one_turn_per_period(db_url):
    factory = session_factory(db_url)
    now = [1000.0]
    assert take_turn(factory, "periodic:x", 50, clock=lambda: now[0])
    assert not take_turn(factory, "periodic:x", 50, clock=lambda: now[0])
    now[0] = 1049.0
    assert not take_turn(factory, "periodic:x", 50, clock=lambda: now[0])
    now[0] = 1050.0
    assert take_turn(factory, "periodic:x", 50, clock=lambda: now[0])
    assert take_turn(factory, "periodic:y", 50, clock=lambda: now[0])


def test_only_one_of_many_threads_gets_the_turn(db_url):
    factory = session_factory(db_url)
    start = threading.Barrier(6)
    won: list[bool] = []

    def work() -> None:
        start.wait()
        won.append(take_turn(factory, "periodic:sweep", 60))

    runners = [threading.Thread(target=work) for _ in range(6)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(60)
    assert sorted(won) == [False] * 5 + [True]
