"""`engage run` as a newcomer starts it, in its own terminal session: what it prints, how it
guards the action server and the REST channel, how it keeps its children alive, and how it
stops them all. One `engage run` serves the whole module (it is CPU-heavy); the last test
stops it with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from constants import SECRET
from fakes.signing import TEST_AUTH_TOKEN, signed_twilio_sms
from fakes.twilio_api import FakeTwilio
from provider_stack import PUBLIC_URL, SMS_FROM, wait_for

from bot.privacy import pseudonym
from bot.stack import free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.models import InboxMessage, OutboxMessage, Participant

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
ENGAGE = Path(sys.executable).parent / "engage"
REST_TOKEN = "rest-token-for-tests-only"
CHILDREN = ("actions", "rasa", "worker", "console")
THIRD_PARTY_WARNING = re.compile(r"site-packages/.*(DeprecationWarning|MovedIn20Warning)")


@dataclass
class EngageRun:
    popen: subprocess.Popen
    output: Path
    env: dict[str, str]
    twilio: FakeTwilio

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['ENGAGE_RASA_PORT']}"

    @property
    def action_port(self) -> int:
        return int(self.env["ENGAGE_ACTION_PORT"])

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        """The processes `engage run` has started, by name, from /proc."""
        return {child_name(pid): pid for pid in _child_pids(self.popen.pid)}

    def factory(self):
        return session_factory(self.env["ENGAGE_DATABASE_URL"])

    def sms(self, phone: str, text: str) -> int:
        path = "/webhooks/twilio_sms/webhook"
        signed = signed_twilio_sms(TEST_AUTH_TOKEN, PUBLIC_URL + path, phone, text)
        return _post(self.rasa_url + path, signed.body, signed.headers)[0]

    def rest(self, sender: str, message: str, token: str | None = REST_TOKEN
             ) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"sender": sender, "message": message}).encode()
        return _post(self.rasa_url + "/webhooks/rest/webhook", body, headers)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, _decoded(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, _decoded(error.read())


def _decoded(raw: bytes) -> object:
    try:
        return json.loads(raw or b"null")
    except ValueError:  # TwiML, or a server's plain-text error
        return raw.decode(errors="replace")


def _child_pids(pid: int) -> list[int]:
    try:
        raw = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in raw.split()]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def child_name(pid: int) -> str:
    command = _command_line(pid)
    if " console" in command:
        return "console"
    return "worker" if " worker" in command else "actions" if "action" in command else "rasa"


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has stopped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def newcomer_env(workdir: Path, **more: str) -> dict[str, str]:
    """A shell with nothing engage-specific set but what the test names."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ENGAGE_", "TWILIO_", "TELEGRAM_")) and k != "PYTHONWARNINGS"}
    env.update({"ENGAGE_VAR_DIR": str(workdir / "var"),
                "ENGAGE_DATABASE_URL": f"sqlite:///{workdir / 'engage.db'}",
                "ENGAGE_QUEUE_PATH": str(workdir / "queue.db"),
                "ENGAGE_SECRET_KEY": SECRET,
                "ENGAGE_RASA_PORT": str(free_port()), "ENGAGE_ACTION_PORT": str(free_port()),
                "ENGAGE_CONSOLE_PORT": str(free_port()), **more})
    return env


def start_engage_run(model: Path, workdir: Path, env: dict[str, str]) -> subprocess.Popen:
    """`engage run` in a session of its own, as a terminal or a service manager starts it."""
    output = (workdir / "engage-run.out").open("wb")
    try:
        return subprocess.Popen([str(ENGAGE), "run", "--model", str(model)], cwd=ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    finally:
        output.close()


def wait_until_running(popen: subprocess.Popen, output: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while "The bot is running." not in output.read_text(errors="replace"):
        if popen.poll() is not None:
            raise AssertionError(f"engage run exited with {popen.returncode}:\n"
                                 + output.read_text(errors="replace")[-3000:])
        if time.monotonic() > deadline:
            raise AssertionError("engage run did not start:\n" + output.read_text()[-3000:])
        time.sleep(0.5)


def kill_leftovers(pids: list[int]) -> None:
    """Never leave a test's processes behind, even when the test failed."""
    for pid in pids:
        if alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def engage_run(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngageRun]:
    workdir = tmp_path_factory.mktemp("engage_run")
    with FakeTwilio() as twilio:
        env = newcomer_env(workdir, ENGAGE_REST_TOKEN=REST_TOKEN, ENGAGE_PUBLIC_URL=PUBLIC_URL,
                           TWILIO_SMS_FROM=SMS_FROM, ENGAGE_INBOX_POLL="0.3",
                           ENGAGE_OUTBOX_POLL="0.2", ENGAGE_SEND_BACKOFF="0.2", **twilio.env())
        popen = start_engage_run(rasa_model, workdir, env)
        running = EngageRun(popen, workdir / "engage-run.out", env, twilio)
        seen: set[int] = set()
        try:
            wait_until_running(popen, running.output)
            seen.update(running.children().values())
            yield running
        finally:
            seen.update(running.children().values())
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
                try:
                    popen.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(popen.pid, signal.SIGKILL)
                    popen.wait()
            kill_leftovers(sorted(seen))
    engine_for(env["ENGAGE_DATABASE_URL"]).dispose()


def participant(running: EngageRun, name: str) -> tuple[str, str] | None:
    with transaction(running.factory()) as session:
        row = session.query(Participant).filter_by(pseudonym=name).one_or_none()
        return (row.status, row.consent) if row else None


def test_start_up_prints_no_third_party_deprecation_warnings(engage_run):
    text = engage_run.text()
    assert "The bot is running." in text
    assert "Starting Rasa server" in text  # the children's own lines reach the terminal
    noise = [line for line in text.splitlines() if THIRD_PARTY_WARNING.search(line)]
    assert noise == []


def test_the_console_runs_and_its_first_admin_is_told_in_the_terminal(engage_run):
    console = f"http://127.0.0.1:{engage_run.env['ENGAGE_CONSOLE_PORT']}"
    with urllib.request.urlopen(f"{console}/health", timeout=10) as reply:
        assert reply.status == 200
    text = engage_run.text()
    assert f"Staff console: {console}" in text
    assert re.search(r"One-time password for admin@localhost \(Administrator\):\n\n    \S{12,}",
                     text), text[-2000:]


def test_engage_chat_finds_the_bot_on_its_port_and_sends_the_rest_token(engage_run):
    env = {**engage_run.env, "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([str(ENGAGE), "chat", "--campaign", "buses-2026", "--as", "chatter"],
                          cwd=ROOT, env=env, input="", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "bot> " in done.stdout and "1 English" in done.stdout


def test_the_rest_channel_wants_its_token(engage_run):
    assert engage_run.rest("rest-guest", "BUSES", token=None)[0] == 403
    assert engage_run.rest("rest-guest", "BUSES", token="not-the-token")[0] == 403
    assert participant(engage_run, pseudonym(SECRET, "rest", "rest-guest")) is None
    status, replies = engage_run.rest("rest-guest", "BUSES")
    assert status == 200 and "1 English" in replies[0]["text"]


def headers_only(base_url: str, path: str, length: int) -> bytes:
    """A POST announcing `length` bytes, none sent: what the server answers to the headers."""
    with socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1])),
                                  timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode())
        return sock.recv(100)


def test_a_huge_body_is_refused_at_once_on_every_route(engage_run):
    for path in ("/webhooks/rest/webhook", "/webhooks/twilio_sms/webhook", "/model/parse"):
        assert headers_only(engage_run.rasa_url, path, 10_000_000).startswith(b"HTTP/1.1 413")


def test_an_over_long_rest_message_is_cut_and_answered_kindly(engage_run):
    sender = "long-writer"
    assert engage_run.rest(sender, "BUSES")[0] == 200
    status, replies = engage_run.rest(sender, "blah " * 100_000)  # 500,000 characters
    assert status == 200
    assert "too long" in replies[0]["text"]
    engine = engine_for(engage_run.env["ENGAGE_DATABASE_URL"])
    with engine.connect() as connection:
        longest = connection.execute(sa.text(
            "SELECT max(length(data)) FROM events WHERE sender_id = :s"),
            {"s": pseudonym(SECRET, "rest", sender)}).scalar_one()
    assert longest < 20_000  # the tracker keeps the cut text, not half a megabyte


def forged_action_call(name: str, text: str, intent: str) -> bytes:
    """What Rasa would send the action server for this resident's message."""
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return json.dumps({
        "next_action": "action_engage", "sender_id": name, "version": "3.6.2", "domain": {},
        "tracker": {"sender_id": name, "slots": {}, "latest_message": message,
                    "events": [{"event": "user", "text": text, "parse_data": message,
                                "input_channel": "rest"}],
                    "paused": False, "followup_action": None, "active_loop": {},
                    "latest_action_name": "action_listen"},
    }).encode()


def test_the_action_server_is_on_loopback_and_refuses_forged_calls(engage_run):
    sender = "forged-target"
    name = pseudonym(SECRET, "rest", sender)
    for message in ("BUSES", "1", "YES"):
        assert engage_run.rest(sender, message)[0] == 200
    before = participant(engage_run, name)
    assert before is not None and before[0] != "opted_out"
    url = f"http://127.0.0.1:{engage_run.action_port}/webhook"
    forged = forged_action_call(name, "STOP", "stop")
    json_only = {"Content-Type": "application/json"}
    assert _post(url, forged, json_only)[0] == 401
    assert _post(url, forged, {**json_only, "Authorization": "Bearer not-the-token"})[0] == 401
    assert participant(engage_run, name) == before
    with pytest.raises(OSError):  # bound to 127.0.0.1, not to every address
        socket.create_connection(("127.0.0.2", engage_run.action_port), timeout=2).close()
    # Rasa itself still reaches it: the real STOP works.
    assert engage_run.rest(sender, "STOP")[0] == 200
    assert participant(engage_run, name)[0] == "opted_out"


def test_a_killed_action_server_comes_back_and_messages_meanwhile_are_kept(engage_run):
    phones = {"+447700900601": ["BUSES", "1"], "+447700900602": ["PARKS"]}
    names = {phone: pseudonym(SECRET, "twilio_sms", phone) for phone in phones}
    before = engage_run.children()
    os.kill(before["actions"], signal.SIGKILL)
    for phone, texts in phones.items():
        for text in texts:
            assert engage_run.sms(phone, text) == 200  # acknowledged while actions are down
    with transaction(engage_run.factory()) as session:
        stored = session.query(InboxMessage).filter(
            InboxMessage.pseudonym.in_(names.values())).count()
    assert stored == 3
    back = wait_for(lambda: (engage_run.children().get("actions") or 0) not in
                    (0, before["actions"]) and engage_run.children(), timeout=120)
    assert back["rasa"] == before["rasa"] and back["worker"] == before["worker"]

    def settled() -> bool:
        with transaction(engage_run.factory()) as session:
            rows = session.query(InboxMessage).filter(
                InboxMessage.pseudonym.in_(names.values())).all()
            queued = session.query(OutboxMessage).filter(
                OutboxMessage.pseudonym.in_(names.values()),
                OutboxMessage.status.in_(("queued", "sending"))).count()
        return len(rows) == 3 and all(r.status == "processed" for r in rows) and not queued

    wait_for(settled, timeout=180)
    for phone, texts in phones.items():
        with transaction(engage_run.factory()) as session:
            sent = [r.body for r in session.query(OutboxMessage).filter_by(
                pseudonym=names[phone]).order_by(OutboxMessage.id)]
        received = [m.body for m in engage_run.twilio.accepted if m.to == phone]
        assert received == sent and len(sent) == len(texts)  # one reply each, sent once
    # "1" (English) applied twice would have answered the consent question too.
    assert participant(engage_run, names["+447700900601"]) == ("in_progress", "none")
    text = engage_run.text()
    assert "The action server stopped unexpectedly (killed by SIGKILL)" in text
    assert "The action server is starting again." in text


def test_sigterm_to_its_process_group_stops_everything_it_started(engage_run):
    children = engage_run.children()
    assert set(children) == set(CHILDREN)
    os.killpg(engage_run.popen.pid, signal.SIGTERM)
    engage_run.popen.wait(90)
    wait_for(lambda: not any(alive(pid) for pid in children.values()), timeout=30)


def test_ctrl_c_during_start_up_stops_everything(rasa_model: Path, tmp_path: Path):
    env = newcomer_env(tmp_path)
    popen = start_engage_run(rasa_model, tmp_path, env)
    output = tmp_path / "engage-run.out"
    seen: set[int] = set()
    try:
        def started_all() -> bool:
            pids = _child_pids(popen.pid)
            seen.update(pids)
            return {child_name(pid) for pid in pids} == set(CHILDREN)

        wait_for(started_all, timeout=120)
        os.killpg(popen.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        popen.wait(90)
        wait_for(lambda: not any(alive(pid) for pid in seen), timeout=30)
        assert "Traceback" not in output.read_text(errors="replace")
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
        kill_leftovers(sorted(seen))
