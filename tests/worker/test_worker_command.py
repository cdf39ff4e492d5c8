"""`engage worker`: its help, its mistakes, and a real huey consumer (SQLite and Redis queues)
sending invitations enqueued by another process, and ones whose task was lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from worker_helpers import campaign, invitation, invitations, record_invitations

from bot import clock
from bot.cli import main
from bot.store.models import utcnow
from bot.worker.queue import make_huey

ROOT = Path(__file__).resolve().parents[2]


def test_help_explains_itself_with_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        main(["worker", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "invitations" in out and "example:" in out and "engage worker --threads" in out


def test_threads_must_be_positive(capsys):
    assert main(["worker", "--threads", "0"]) == 1
    assert "Error: --threads must be 1 or more." in capsys.readouterr().err


def test_an_unreachable_database_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ENGAGE_DATABASE_URL",
                       "postgresql://nobody:secret-pw@127.0.0.1:1/none?connect_timeout=2")
    assert main(["worker"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot reach the database") and "secret-pw" not in err


def test_an_unreachable_redis_is_a_clear_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
           "ENGAGE_QUEUE_URL": "redis://:pw@127.0.0.1:1/0"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot reach the queue at redis://127.0.0.1:1/0")


@pytest.fixture(params=["sqlite", "redis"])
def queue_env(request: pytest.FixtureRequest, tmp_path):
    if request.param == "sqlite":
        yield {"ENGAGE_QUEUE_PATH": str(tmp_path / "queue.db")}
        return
    redis_url = request.getfixturevalue("redis_url")
    env = {"ENGAGE_QUEUE_URL": redis_url, "ENGAGE_QUEUE_NAME": f"engage-test-{uuid.uuid4().hex}"}
    yield env
    make_huey(env).storage.flush_all()


def test_a_real_consumer_sends_queued_and_lost_invitations(sqlite_url, factory, fake_rasa,
                                                           queue_env, tmp_path):
    fake_rasa.behaviour = record_invitations(factory)
    clock_path = tmp_path / "clock"
    clock.write_clock_file(clock_path, datetime(2026, 12, 1, 12, 0))  # daytime in London
    version = campaign(factory)
    queued = invitations(factory, version, count=3)
    lost = invitations(factory, version, count=2, queued_at=utcnow() - timedelta(minutes=5))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ENGAGE_DATABASE_URL": sqlite_url,
           "ENGAGE_RASA_URL": fake_rasa.url, "ENGAGE_RASA_TOKEN": fake_rasa.token,
           "ENGAGE_CLOCK_FILE": str(clock_path), **queue_env}
    env.pop("ENGAGE_SECRET_KEY", None)
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--threads", "2"],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        enqueue = ("import sys\nfrom bot.worker.tasks import enqueue_invitation\n"
                   "for i in sys.argv[1:]: enqueue_invitation(int(i))\n")
        subprocess.run([sys.executable, "-c", enqueue, *map(str, queued)], env=env, cwd=ROOT,
                       check=True, timeout=60)
        deadline = time.monotonic() + 60
        while any(invitation(factory, i).status != "sent" for i in queued + lost):
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    calls = sorted(int(c.extra["body"]["entities"]["invitation"]) for c in fake_rasa.triggers())
    assert calls == sorted(queued + lost)  # each exactly once
    log = log_path.read_text()
    assert "Worker starting: 2 thread(s)" in log and "Worker stopped" in log
    assert fake_rasa.token not in log


def test_ctrl_c_stops_it_cleanly(sqlite_url, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ENGAGE_DATABASE_URL": sqlite_url,
           "ENGAGE_QUEUE_PATH": str(tmp_path / "queue.db")}
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--threads", "1"],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "Huey consumer started" not in log_path.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        worker.send_signal(signal.SIGINT)
        assert worker.wait(20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert "Worker stopped" in log_path.read_text()
