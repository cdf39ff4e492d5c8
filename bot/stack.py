"""Start and stop the processes that make up the bot: the Rasa server, the action server and
(when asked) the worker.

Used by `engage run`, the end-to-end tests and the benchmark, so all three run the same stack.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.config import ROOT

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StackConfig:
    model: Path
    database_url: str
    secret_key: str
    rasa_port: int = 5005
    action_port: int = 5055
    log_dir: Path | None = None  # None: processes write to this terminal
    extra_env: dict[str, str] = field(default_factory=dict)
    # Rasa's HTTP API (trigger_intent, for the worker) needs this token; a fresh one each start.
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    worker: bool = False  # also start `engage worker` (invitations, reminders, purge)
    worker_threads: int = 4

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: IO | None

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        if self.log:
            self.log.close()


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    config: StackConfig
    processes: dict[str, Process] = field(default_factory=dict)

    def _env(self, secret: bool, rasa_api: bool = False) -> dict[str, str]:
        env = {**os.environ, **self.config.extra_env,
               "ENGAGE_DATABASE_URL": self.config.database_url,
               "ENGAGE_ACTION_URL": self.config.action_url,
               "PYTHONPATH": str(ROOT)}
        env.setdefault("PYTHONWARNINGS", "ignore")  # Rasa's dependencies' deprecation noise
        env.pop("ENGAGE_SECRET_KEY", None)
        env.pop("ENGAGE_RASA_TOKEN", None)
        if secret:  # only the Rasa process, whose channels fill the vault, holds the key
            env["ENGAGE_SECRET_KEY"] = self.config.secret_key
        if rasa_api:  # Rasa and the worker, which calls Rasa's API
            env["ENGAGE_RASA_TOKEN"] = self.config.api_token
            env["ENGAGE_RASA_URL"] = self.config.rasa_url
        return env

    def _spawn(self, name: str, args: list[str], secret: bool, rasa_api: bool = False) -> None:
        log = None
        if self.config.log_dir:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115 closed in stop()
        popen = subprocess.Popen(args, cwd=ROOT, env=self._env(secret, rasa_api),
                                 stdout=log, stderr=log,
                                 start_new_session=True)
        self.processes[name] = Process(name, popen, log)

    def start_actions(self) -> None:
        self._spawn("actions", [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                                "--port", str(self.config.action_port)], secret=False)

    def rasa_command(self) -> list[str]:
        """`rasa run` for this stack. The token is joined to its option with `=`: a random
        token may begin with "-", which argparse would otherwise read as the next option."""
        return [str(BIN / "rasa"), "run", "--model", str(self.config.model),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                "--port", str(self.config.rasa_port), "--interface", "127.0.0.1",
                "--enable-api", f"--auth-token={self.config.api_token}"]

    def start_rasa(self) -> None:
        self._spawn("rasa", self.rasa_command(), secret=True, rasa_api=True)

    def start_worker(self) -> None:
        """The queue's consumer. It never holds the secret key: Rasa's action does the work
        that needs the vault; the worker only claims, paces and triggers."""
        self._spawn("worker", [sys.executable, "-m", "bot.cli", "worker",
                               "--threads", str(self.config.worker_threads)],
                    secret=False, rasa_api=True)

    def start(self, timeout: float = 180) -> Stack:
        self.start_actions()
        self.start_rasa()
        if self.config.worker:
            self.start_worker()
        try:
            self.wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_ready(self, timeout: float = 180) -> None:
        checks = {
            "actions": f"http://127.0.0.1:{self.config.action_port}/health",
            "rasa": f"{self.config.rasa_url}/webhooks/rest/",
        }
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            while not _answers(url):
                process = self.processes.get(name)
                if process and process.popen.poll() is not None:
                    raise StackError(f"{name} exited with {process.popen.returncode}{self._log_hint(name)}")
                if time.monotonic() > deadline:
                    raise StackError(f"{name} did not start within {timeout:.0f}s{self._log_hint(name)}")
                time.sleep(0.3)
        worker = self.processes.get("worker")
        if worker and worker.popen.poll() is not None:
            raise StackError(f"worker exited with {worker.popen.returncode}{self._log_hint('worker')}")

    def _log_hint(self, name: str) -> str:
        return f" (see {self.config.log_dir / (name + '.log')})" if self.config.log_dir else ""

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.processes.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
