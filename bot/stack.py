"""Start and stop the processes that make up the bot: the Rasa server and the action server.

Used by `engage run`, the end-to-end tests and the benchmark, so all three run the same stack.
"""

from __future__ import annotations

import os
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

    def _env(self, secret: bool) -> dict[str, str]:
        env = {**os.environ, **self.config.extra_env,
               "ENGAGE_DATABASE_URL": self.config.database_url,
               "ENGAGE_ACTION_URL": self.config.action_url,
               "PYTHONPATH": str(ROOT)}
        env.setdefault("PYTHONWARNINGS", "ignore")  # Rasa's dependencies' deprecation noise
        env.pop("ENGAGE_SECRET_KEY", None)
        if secret:  # only the Rasa process, whose channels fill the vault, holds the key
            env["ENGAGE_SECRET_KEY"] = self.config.secret_key
        return env

    def _spawn(self, name: str, args: list[str], secret: bool) -> None:
        log = None
        if self.config.log_dir:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115 closed in stop()
        popen = subprocess.Popen(args, cwd=ROOT, env=self._env(secret), stdout=log, stderr=log,
                                 start_new_session=True)
        self.processes[name] = Process(name, popen, log)

    def start_actions(self) -> None:
        self._spawn("actions", [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                                "--port", str(self.config.action_port)], secret=False)

    def start_rasa(self) -> None:
        self._spawn("rasa", [str(BIN / "rasa"), "run", "--model", str(self.config.model),
                             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                             "--port", str(self.config.rasa_port), "--interface", "127.0.0.1"],
                    secret=True)

    def start(self, timeout: float = 180) -> Stack:
        self.start_actions()
        self.start_rasa()
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
