"""The running stack of the end-to-end tests (Rasa server, action server, a fresh database),
importable by bare name: `from running_bot import RunningBot, running_bot`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from constants import SECRET

from bot.campaigns.publishing import publish_files
from bot.privacy import pseudonym
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import session_factory
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "campaign_all_steps.yml"


@dataclass
class RunningBot:
    stack: Stack
    database_url: str
    log_dir: Path

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, object]:
        request = urllib.request.Request(
            f"{self.stack.config.rasa_url}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, sender: str, message: str) -> list[str]:
        status, replies = self.post(json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, replies
        return [reply["text"] for reply in replies]

    def pseudonym(self, sender: str) -> str:
        return pseudonym(SECRET, "rest", sender)

    def factory(self):
        return session_factory(self.database_url)

    def engage(self, *args: str) -> subprocess.CompletedProcess:
        env = {"ENGAGE_DATABASE_URL": self.database_url, "ENGAGE_SECRET_KEY": SECRET,
               "PATH": str(Path(sys.executable).parent)}
        return subprocess.run([str(Path(sys.executable).parent / "engage"), *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)


@contextmanager
def running_bot(model: Path, url: str, workdir: Path) -> Iterator[RunningBot]:
    """Migrate a fresh database, publish the campaigns, and run the whole stack on free ports."""
    upgrade(url)
    publish_files([str(FIXTURE), *sorted(str(p) for p in (ROOT / "campaigns").glob("*.yml"))], url)
    config = StackConfig(model=model, database_url=url, secret_key=SECRET,
                         rasa_port=free_port(), action_port=free_port(), log_dir=workdir / "logs")
    with Stack(config) as stack:
        yield RunningBot(stack, url, workdir / "logs")
