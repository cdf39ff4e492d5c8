"""`engage run --replicas 2`, the command an engineer types, end to end: it starts two replicas
(Rasa, action server, worker each), HAProxy and the console on PostgreSQL and Redis, says where
they are, answers a resident's SMS through the load balancer, serves the console, and stops
everything on Ctrl-C (SIGINT) with exit status 0, leaving nothing listening."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from constants import SECRET
from databases import fresh_postgres_database
from fakes import FakeTwilio
from scale_helpers import PrivateRedis, provider_env, require_haproxy, sms, wait_for

from bot.stack import free_port

pytestmark = [pytest.mark.rasa, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
RESIDENT = "+447700931000"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def test_engage_run_with_two_replicas_answers_through_haproxy_and_stops_cleanly(
        rasa_model, postgres_url, tmp_path):
    require_haproxy()
    balancer, console = free_port(), free_port()
    redis = PrivateRedis(tmp_path).start()
    output: list[str] = []
    try:
        with fresh_postgres_database(postgres_url, "engage_run") as url, FakeTwilio() as twilio:
            env = {**os.environ, **provider_env(twilio), "ENGAGE_DATABASE_URL": url,
                   "ENGAGE_SECRET_KEY": SECRET, "ENGAGE_VAR_DIR": str(tmp_path / "var"),
                   "ENGAGE_LOCK_STORE_URL": f"{redis.url}/1",
                   "ENGAGE_QUEUE_URL": f"{redis.url}/0", "RASA_TELEMETRY_ENABLED": "false"}
            command = [str(Path(sys.executable).parent / "engage"), "run", "--replicas", "2",
                       "--model", str(rasa_model), "--rasa-port", str(balancer),
                       "--console-port", str(console)]
            running = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
            reader = threading.Thread(target=lambda: output.extend(running.stdout), daemon=True)
            reader.start()
            try:
                wait_for(lambda: any("The bot is running." in line for line in output)
                         or running.poll() is not None, timeout=240, every=0.5)
                assert running.poll() is None, "".join(output)
                said = "".join(output)
                assert f"The load balancer (HAProxy) is at http://127.0.0.1:{balancer}" in said
                assert "It routes each resident to one of 2 Rasa servers" in said

                assert sms(f"http://127.0.0.1:{balancer}", RESIDENT, "BUSES") == 200
                wait_for(lambda: any(m.to == RESIDENT for m in twilio.accepted), timeout=60)
                with urllib.request.urlopen(f"http://127.0.0.1:{console}/sign-in",
                                            timeout=10) as page:
                    assert page.status == 200
            finally:
                running.send_signal(signal.SIGINT)
                status = running.wait(90)
                reader.join(10)
            assert status == 0, "".join(output[-40:])
            assert "Stopping..." in "".join(output)
            assert not listening(balancer) and not listening(console)
    finally:
        redis.stop()
