"""The load balancer's configuration (bot/haproxy.py) in a real HAProxy, in front of two small
HTTP servers that answer with their own name: one resident's requests always reach one
server, whichever channel they come by; residents spread over both; a server whose /ready
fails three checks in a row gets nothing more. And `engage run --replicas 2` refuses to start
without the shared services."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from scale_helpers import require_haproxy, wait_for

from bot import haproxy
from bot.fleet import scale_out_problems
from bot.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


class Named(ThreadingHTTPServer):
    """Answers every request with its name; /ready with 200 until told otherwise."""

    def __init__(self, name: str) -> None:
        self.name, self.ready = name, True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                status = 503 if self.path == "/ready" and not server.ready else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(server.name.encode())

            do_GET = do_POST = _answer

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def balancer(tmp_path):
    binary = require_haproxy()
    servers = [Named("rasa1"), Named("rasa2")]
    port = free_port()
    config = haproxy.write_config(tmp_path / "haproxy.cfg",
                                  [haproxy.Backend(s.name, "127.0.0.1", s.server_address[1])
                                   for s in servers], port)
    check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen(haproxy.command(config, binary), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _post(url, "/ready", b"", "text/plain"), timeout=10)
        yield url, servers
    finally:
        process.terminate()
        process.wait(10)
        for server in servers:
            server.shutdown()


def _post(url: str, path: str, body: bytes, kind: str) -> str | None:
    request = urllib.request.Request(url + path, data=body, method="POST",
                                     headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.read().decode()
    except OSError:
        return None


def twilio(url: str, number: str, text: str) -> str | None:
    body = f"Body={quote(text)}&From={quote(number)}&MessageSid=SM{hash(text)}".encode()
    return _post(url, "/webhooks/twilio_sms/webhook", body, "application/x-www-form-urlencoded")


def telegram(url: str, chat: int, text: str) -> str | None:
    update = {"update_id": hash(text) % 10**6, "message": {"chat": {"id": chat}, "text": text}}
    return _post(url, "/webhooks/telegram/webhook", json.dumps(update).encode(),
                 "application/json")


def rest(url: str, sender: str, text: str) -> str | None:
    return _post(url, "/webhooks/rest/webhook",
                 json.dumps({"sender": sender, "message": text}).encode(), "application/json")


def api(url: str, conversation: str) -> str | None:
    return _post(url, f"/conversations/{conversation}/trigger_intent", b"{}", "application/json")


def test_each_resident_reaches_one_replica_on_every_channel(balancer):
    url, _ = balancer
    seen: dict[str, set[str]] = {"twilio": set(), "telegram": set(), "rest": set(), "api": set()}
    for n in range(24):
        for channel, send, who in (("twilio", twilio, f"+4477009001{n:02d}"),
                                   ("telegram", telegram, 5550100 + n),
                                   ("rest", rest, f"resident-{n}"),
                                   ("api", api, f"p_{n:032x}")):
            if channel == "api":
                replies = {send(url, who) for _ in range(4)}
            else:
                replies = {send(url, who, text) for text in ("BUSES", "1", "YES", "2")}
            assert len(replies) == 1 and None not in replies, (channel, who, replies)
            seen[channel] |= replies
    for channel, servers in seen.items():  # residents spread over both replicas
        assert servers == {"rasa1", "rasa2"}, channel


def test_a_replica_that_is_not_ready_gets_nothing_after_three_checks(balancer):
    url, servers = balancer
    numbers = [f"+4477009002{n:02d}" for n in range(16)]
    assert {twilio(url, number, "hi") for number in numbers} == {"rasa1", "rasa2"}
    servers[0].ready = False
    time.sleep(haproxy.CHECK_EVERY_SECONDS * (haproxy.FALL + 1) + 1)
    assert {twilio(url, number, "hi") for number in numbers} == {"rasa2"}
    servers[0].ready = True
    time.sleep(haproxy.CHECK_EVERY_SECONDS * (haproxy.RISE + 1) + 1)
    assert {twilio(url, number, "hi") for number in numbers} == {"rasa1", "rasa2"}


def test_several_replicas_need_postgres_and_redis():
    env = {"ENGAGE_LOCK_STORE_URL": "redis://127.0.0.1:6379/1",
           "ENGAGE_QUEUE_URL": "redis://127.0.0.1:6379/0"}
    assert scale_out_problems("postgresql://u@h/db", env, "/usr/sbin/haproxy") == []
    problems = scale_out_problems("sqlite:///var/engage.db", {}, None)
    assert [p.split()[0] for p in problems] == ["ENGAGE_DATABASE_URL", "ENGAGE_LOCK_STORE_URL",
                                               "ENGAGE_QUEUE_URL", "HAProxy"]
    assert "apt-get install haproxy" in problems[-1]


def test_engage_run_refuses_replicas_without_the_shared_services(tmp_path):
    engage = Path(sys.executable).parent / "engage"
    done = subprocess.run([str(engage), "run", "--replicas", "2", "--model", sys.executable],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "ENGAGE_VAR_DIR": str(tmp_path),
                               "ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"})
    assert done.returncode == 1
    assert "2 replicas need shared services first" in done.stderr
    assert "ENGAGE_LOCK_STORE_URL" in done.stderr and "ENGAGE_QUEUE_URL" in done.stderr
    assert not (tmp_path / "e.db").exists()  # nothing started, nothing migrated
