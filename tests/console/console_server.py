"""The console as a real process (`engage console`) on a free port, for tests that need a
real server: the command itself and the browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ConsoleServer:
    url: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@contextmanager
def running_console(database_url: str, log: Path, extra_env: dict[str, str] | None = None,
                    timeout: float = 60) -> Iterator[ConsoleServer]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ENGAGE_DATABASE_URL": database_url,
           **(extra_env or {})}
    env.pop("ENGAGE_SECRET_KEY", None)  # a test that needs the key passes it in extra_env
    with open(log, "wb") as out:
        popen = subprocess.Popen([sys.executable, "-m", "bot.cli", "console", "--port", str(port)],
                                 cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    server = ConsoleServer(f"http://127.0.0.1:{port}", popen, log)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(server.url):
            if popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"engage console did not start:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()
