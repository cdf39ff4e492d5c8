"""deploy/haproxy.cfg, run by a real HAProxy in front of two stand-in replicas: each resident's
messages (Twilio form posts, Telegram JSON, the REST channel, Rasa's conversation API) always
reach the same replica; when one goes down only its residents move. The stand-ins only say
who they are: what is tested is the production file's routing, not Rasa."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_deploy_files import HAPROXY_CFG, haproxy

from bot.stack import free_port

SENDERS = [f"+4477009{n:05d}" for n in range(24)]


class Replica(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: object) -> None:
        pass


def start_replica(name: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replica)
    server.name = name  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def local_config(rasa_ports: list[int], listen: int) -> str:
    """The production file with compose's DNS discovery swapped for two local servers."""
    text = HAPROXY_CFG.read_text()
    text = re.sub(r"\nresolvers docker\n(?:    .*\n)+", "\n", text)
    text = re.sub(r"\nfrontend console\n[\s\S]*$", "\n", text)
    servers = "".join(f"    server rasa{n} 127.0.0.1:{port} check\n"
                      for n, port in enumerate(rasa_ports, 1))
    text, replaced = re.subn(r"    server-template rasa .*\n", servers, text)
    assert replaced == 1
    text = text.replace("bind :8080", f"bind 127.0.0.1:{listen}")
    return text.replace("log stdout format raw local0", "")


@pytest.fixture()
def balancer(tmp_path: Path) -> Iterator[tuple[str, list[ThreadingHTTPServer]]]:
    replicas = [start_replica("one"), start_replica("two")]
    listen = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(local_config([r.server_address[1] for r in replicas], listen))
    process = subprocess.Popen([haproxy(), "-db", "-f", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{url}/webhooks/rest/webhook", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url, replicas
    finally:
        process.terminate()
        process.wait(10)
        for replica in replicas:
            replica.shutdown()


def post(url: str, path: str, body: bytes, content_type: str) -> str:
    request = urllib.request.Request(f"{url}{path}", data=body,
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def deliveries(url: str, sender: str, index: int) -> list[str]:
    """Where one resident's four kinds of request went."""
    form = urllib.parse.urlencode({"From": sender, "Body": "2"}).encode()
    telegram = json.dumps({"update_id": 1, "message": {"chat": {"id": index},
                                                       "text": "2"}}).encode()
    rest = json.dumps({"sender": sender, "message": "2"}).encode()
    return [post(url, "/webhooks/twilio_sms/webhook", form, "application/x-www-form-urlencoded"),
            post(url, "/webhooks/twilio_whatsapp/webhook", form,
                 "application/x-www-form-urlencoded"),
            post(url, "/webhooks/rest/webhook", rest, "application/json"),
            post(url, f"/conversations/{sender}/trigger_intent", b"{}", "application/json"),
            post(url, "/webhooks/telegram/webhook", telegram, "application/json")]


def test_each_resident_always_reaches_the_same_replica(balancer) -> None:
    url, _ = balancer
    by_channel: dict[int, set[str]] = {}
    for index, sender in enumerate(SENDERS):
        first = deliveries(url, sender, index)
        assert deliveries(url, sender, index) == first, sender
        assert deliveries(url, sender, index) == first, sender
        for channel, replica in enumerate(first):
            by_channel.setdefault(channel, set()).add(replica)
    # spread: every kind of request used both replicas across the residents
    assert all(used == {"one", "two"} for used in by_channel.values()), by_channel


def test_a_replica_going_down_moves_only_its_own_residents(balancer) -> None:
    url, replicas = balancer
    before = {sender: deliveries(url, sender, index)[0] for index, sender in enumerate(SENDERS)}
    replicas[1].shutdown()
    replicas[1].server_close()
    deadline = time.monotonic() + 15  # 3 missed checks, 2 s apart
    while True:
        try:
            after = {sender: deliveries(url, sender, index)[0]
                     for index, sender in enumerate(SENDERS)}
            break
        except OSError:
            assert time.monotonic() < deadline, "HAProxy never took the dead replica out"
            time.sleep(0.5)
    assert set(after.values()) == {"one"}
    stayed = [sender for sender, replica in before.items() if replica == "one"]
    assert stayed and all(after[sender] == "one" for sender in stayed)
