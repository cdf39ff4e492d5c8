"""The stack with its worker (as `engage run` starts it): Rasa's API takes the stack's token,
the worker has the token and Rasa's URL but never the secret key, and an invitation goes
worker -> Rasa trigger_intent -> action -> conversation service."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from constants import SECRET
from worker_helpers import invitation

from bot import clock
from bot.campaigns.publishing import publish_files
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import CampaignVersion, Invitation
from bot.worker.rasa_client import RasaClient

pytestmark = pytest.mark.rasa
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("worker_stack")
    url = f"sqlite:///{workdir / 'engage.db'}"
    upgrade(url)
    publish_files([str(p) for p in sorted((ROOT / "campaigns").glob("*.yml"))], url)
    clock.write_clock_file(workdir / "clock", datetime(2026, 12, 1, 12, 0))  # daytime
    config = StackConfig(
        model=rasa_model, database_url=url, secret_key=SECRET, rasa_port=free_port(),
        action_port=free_port(), log_dir=workdir / "logs", worker=True, worker_threads=2,
        extra_env={"ENGAGE_QUEUE_PATH": str(workdir / "queue.db"),
                   "ENGAGE_CLOCK_FILE": str(workdir / "clock"), "ENGAGE_RASA_TOKEN": "stale"})
    with Stack(config) as running:
        yield running
    engine_for(url).dispose()


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(),
                    reason="reads each process's environment from /proc, which only Linux has")
def test_only_rasa_holds_the_key_and_the_worker_holds_the_token(stack):
    token = stack.config.api_token
    rasa, worker = (environ(stack.processes[n].popen.pid) for n in ("rasa", "worker"))
    actions = environ(stack.processes["actions"].popen.pid)
    assert rasa["ENGAGE_SECRET_KEY"] == SECRET and rasa["ENGAGE_RASA_TOKEN"] == token
    assert "ENGAGE_SECRET_KEY" not in worker and "ENGAGE_SECRET_KEY" not in actions
    assert worker["ENGAGE_RASA_TOKEN"] == token
    assert worker["ENGAGE_RASA_URL"] == stack.config.rasa_url
    assert "ENGAGE_RASA_TOKEN" not in actions
    for process in stack.processes.values():  # `ps` shows command lines to every user
        command_line = Path(f"/proc/{process.popen.pid}/cmdline").read_bytes()
        assert token.encode() not in command_line, process.name


def test_rasas_api_wants_the_token(stack):
    address = f"{stack.config.rasa_url}/conversations/p_nobody/trigger_intent?output_channel=rest"
    request = urllib.request.Request(address, data=b'{"name": "greet"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    RasaClient(stack.config.rasa_url, stack.config.api_token).trigger_intent(
        "p_nobody", "greet", {}, "rest")


def test_an_invitation_goes_through_the_worker_rasa_and_the_service(stack):
    factory = session_factory(stack.config.database_url)
    with transaction(factory) as session:
        version = session.query(CampaignVersion.id).filter_by(slug="buses-2026").scalar()
        row = Invitation(campaign_id=version, pseudonym="p_erased_long_ago", channel="twilio_sms")
        session.add(row)
        session.flush()
        row_id = row.id
    env = {**os.environ, **stack.config.extra_env, "PYTHONPATH": str(ROOT),
           "ENGAGE_DATABASE_URL": stack.config.database_url}
    subprocess.run([sys.executable, "-c", "import sys\nfrom bot.worker.tasks import "
                    "enqueue_invitation\nenqueue_invitation(int(sys.argv[1]))", str(row_id)],
                   env=env, cwd=ROOT, check=True, timeout=60)
    deadline = time.monotonic() + 60
    while invitation(factory, row_id).status == "queued":
        assert time.monotonic() < deadline, (stack.config.log_dir / "worker.log").read_text()
        time.sleep(0.3)
    done = invitation(factory, row_id)
    assert done.status == "failed" and "no contact" in done.reason  # the service's verdict
    assert done.attempts == 1
