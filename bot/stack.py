"""Start, watch and stop the processes that make up the bot: the Rasa server, the action
server and (when asked) the worker.

Used by `engage run`, the end-to-end tests and the benchmark, so all three run the same stack.
Each child runs in a session of its own (so stopping one stops whatever it started); the stack
therefore stops them itself, and `engage run` makes sure that happens on Ctrl-C and SIGTERM.
A child that dies is started again by `keep_running()`, with a growing pause, while the others
keep serving: with the action server down, provider webhooks are still acknowledged and
recorded in the inbox, and applied once it is back.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot import settings
from bot.config import ROOT

BIN = Path(sys.executable).parent
LABELS = {"actions": "action server", "rasa": "Rasa server", "worker": "worker",
          "console": "staff console", "haproxy": "load balancer (HAProxy)"}
RESTART_FIRST, RESTART_MAX = 1.0, 60.0  # seconds before starting a dead child again
STABLE_AFTER = 60.0  # up this long, a child's next death counts as its first again
STOP_TIMEOUT = 15.0


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
    # The secret Rasa shows the action server (bot/action_server.py); a fresh one each start.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    action_interface: str = "127.0.0.1"
    worker: bool = False  # also start `engage worker` (invitations, reminders, purge)
    worker_threads: int = 4
    worker_port: int = field(default_factory=free_port)  # its /health, /ready and /metrics
    console: bool = False  # also start `engage console` (the staff console)
    console_port: int = 5080
    serve: bool = True  # start the Rasa server and the action server (not: a fleet's front)
    haproxy_config: Path | None = None  # also start HAProxy with this file (bot/haproxy.py)
    # Several replicas: where the worker and the console reach Rasa (the load balancer)
    balancer_url: str | None = None

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
    started: float = field(default_factory=time.monotonic)

    def signal(self, number: int) -> None:
        """Signal the child's whole session (it is its process group's leader)."""
        try:
            os.killpg(self.popen.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
        self.wait(time.monotonic() + timeout)

    def wait(self, deadline: float) -> None:
        try:
            self.popen.wait(max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait()
        if self.log:
            self.log.close()
            self.log = None


def _raise_for(number: int) -> None:
    if number == signal.SIGINT:
        raise KeyboardInterrupt
    raise StopRequested(signal.Signals(number).name)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def restart_delay(failures: int) -> float:
    """1, 2, 4 ... seconds after each death in a row, at most a minute."""
    return min(RESTART_FIRST * 2 ** max(failures - 1, 0), RESTART_MAX)


@dataclass
class _Restart:
    failures: int = 0  # deaths in a row, each soon after its start
    due: float | None = None  # when a dead child starts again


@contextmanager
def _signals_held() -> Iterator[None]:
    """A second Ctrl-C (or SIGTERM) while stopping must not leave children running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {number: signal.signal(number, signal.SIG_IGN)
            for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in held.items():
            signal.signal(number, handler)


class StackError(RuntimeError):
    pass


class StopRequested(Exception):
    """SIGTERM or SIGHUP arrived: stop everything, as Ctrl-C does."""


@contextmanager
def interrupted_by_signals(stacks: Callable[[], Iterable[Stack]]) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise in the main thread, except while one of `stacks` is
    spawning a child: then the signal waits on that stack until the child is recorded."""

    def interrupt(number: int, _frame: object) -> None:
        for stack in stacks():
            if stack._spawning:
                stack._deferred = number
                return
        _raise_for(number)

    numbers = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = {number: signal.signal(number, interrupt) for number in numbers}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


@dataclass
class Stack:
    config: StackConfig
    processes: dict[str, Process] = field(default_factory=dict)
    _restarts: dict[str, _Restart] = field(default_factory=dict)
    _spawning: bool = False
    _deferred: int | None = None  # a stop signal that arrived while a child was being spawned

    def _env(self, secret: bool, rasa_api: bool = False, actions: bool = False,
             rasa_url: bool = False) -> dict[str, str]:
        """Each child gets only the secrets its job needs. Tokens travel in the environment,
        never on a command line (where `ps` shows them)."""
        env = {**settings.environ(), **self.config.extra_env,
               "ENGAGE_DATABASE_URL": self.config.database_url,
               "ENGAGE_ACTION_URL": self.config.action_url,
               "PYTHONPATH": str(ROOT)}
        for name in ("ENGAGE_SECRET_KEY", "ENGAGE_RASA_TOKEN", "ENGAGE_ACTION_TOKEN"):
            env.pop(name, None)
        if secret:  # Rasa, whose channels fill the vault, and the console, which looks residents up
            env["ENGAGE_SECRET_KEY"] = self.config.secret_key
        if rasa_api:  # Rasa and the worker, which calls Rasa's API
            env["ENGAGE_RASA_TOKEN"] = self.config.api_token
        if rasa_api or rasa_url:  # the console's "Try it" talks to the REST channel there
            env["ENGAGE_RASA_URL"] = self.config.balancer_url or self.config.rasa_url
        if actions:  # Rasa, which calls the action server, and the action server
            env["ENGAGE_ACTION_TOKEN"] = self.config.action_token
        return env

    def _spawn(self, name: str, args: list[str], secret: bool, rasa_api: bool = False,
               actions: bool = False, rasa_url: bool = False,
               env: dict[str, str] | None = None) -> None:
        log = None
        if self.config.log_dir:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115 closed in stop()
        self._spawning = True
        try:
            popen = subprocess.Popen(args, cwd=ROOT,
                                     env={**self._env(secret, rasa_api, actions, rasa_url),
                                          **(env or {})},
                                     stdout=log, stderr=log,
                                     start_new_session=True)
            self.processes[name] = Process(name, popen, log)
        finally:
            self._spawning = False
        if self._deferred is not None:  # now that the child is known, it is stopped too
            number, self._deferred = self._deferred, None
            _raise_for(number)

    @contextmanager
    def stopped_by_signals(self) -> Iterator[Stack]:
        """Ctrl-C (SIGINT), SIGTERM and SIGHUP interrupt whatever the caller is doing, so it
        can stop the stack; one that arrives while a child is being spawned waits until the
        child is recorded, so no child escapes `stop()`. Main thread only."""
        with interrupted_by_signals(lambda: [self]):
            yield self

    def start_actions(self) -> None:
        """The authenticated action server (bot/action_server.py), never the key's holder."""
        self._spawn("actions", [sys.executable, "-m", "bot.action_server", "--actions", "actions",
                                "--port", str(self.config.action_port),
                                f"--interface={self.config.action_interface}"],
                    secret=False, actions=True)

    def rasa_command(self) -> list[str]:
        """`rasa run` for this stack (through bot/rasa_server.py, which quiets the libraries'
        deprecation warnings). The API token is not on it: bot/rasa_server.py reads it from
        ENGAGE_RASA_TOKEN, so `ps` never shows it."""
        return [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(self.config.model),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                "--port", str(self.config.rasa_port), "--interface", "127.0.0.1",
                "--enable-api"]

    def start_rasa(self) -> None:
        self._spawn("rasa", self.rasa_command(), secret=True, rasa_api=True, actions=True)

    def start_worker(self) -> None:
        """The queue's consumer. It never holds the secret key: Rasa's action does the work
        that needs the vault; the worker only claims, paces and triggers."""
        self._spawn("worker", [sys.executable, "-m", "bot.cli", "worker",
                               "--threads", str(self.config.worker_threads)],
                    secret=False, rasa_api=True,
                    env={"ENGAGE_WORKER_PORT": str(self.config.worker_port)})

    def start_console(self) -> None:
        """The staff console. It holds the secret key (finding a resident to erase from a typed
        number, the masked contacts officers see), never Rasa's or the action server's token."""
        from bot.console.first_run import console_command

        self._spawn("console", console_command(self.config.console_port), secret=True,
                    rasa_url=True)

    def start_haproxy(self) -> None:
        """The load balancer in front of several Rasa servers (bot/haproxy.py); no secrets."""
        from bot import haproxy

        assert self.config.haproxy_config is not None
        self._spawn("haproxy", haproxy.command(self.config.haproxy_config), secret=False)

    def spawn_all(self) -> None:
        """Start every child this stack has, without waiting for them."""
        if self.config.serve:
            self.start_actions()
            self.start_rasa()
        if self.config.haproxy_config is not None:
            self.start_haproxy()
        if self.config.worker:
            self.start_worker()
        if self.config.console:
            self.start_console()

    def start(self, timeout: float = 180) -> Stack:
        self.spawn_all()
        try:
            self.wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_ready(self, timeout: float = 180) -> None:
        checks = {}
        if self.config.serve:
            checks = {"actions": f"http://127.0.0.1:{self.config.action_port}/health",
                      "rasa": f"{self.config.rasa_url}/webhooks/rest/"}
        if self.config.console:
            from bot.console.first_run import health_url

            checks["console"] = health_url(self.config.console_port)
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            while not _answers(url):
                process = self.processes.get(name)
                if process and process.popen.poll() is not None:
                    raise StackError(f"{name} exited with {process.popen.returncode}{self._log_hint(name)}")
                if time.monotonic() > deadline:
                    raise StackError(f"{name} did not start within {timeout:.0f}s{self._log_hint(name)}")
                time.sleep(0.3)
        for name in ("worker", "haproxy"):
            process = self.processes.get(name)
            if process and process.popen.poll() is not None:
                raise StackError(f"{name} exited with {process.popen.returncode}"
                                 f"{self._log_hint(name)}")

    def _log_hint(self, name: str) -> str:
        return f" (see {self.config.log_dir / (name + '.log')})" if self.config.log_dir else ""

    def _starter(self, name: str) -> Callable[[], None]:
        return {"actions": self.start_actions, "rasa": self.start_rasa,
                "worker": self.start_worker, "console": self.start_console,
                "haproxy": self.start_haproxy}[name]

    def keep_running(self, now: float | None = None) -> list[str]:
        """Start again any child that has died, after a pause that doubles while it keeps
        dying soon after starting; the others carry on. Call it often (`engage run` does,
        twice a second). Returns what happened, in words for the terminal."""
        now = time.monotonic() if now is None else now
        notes = []
        for name, process in list(self.processes.items()):
            plan = self._restarts.setdefault(name, _Restart())
            label = LABELS.get(name, name)
            code = process.popen.poll()
            if code is None:
                if plan.failures and now - process.started > STABLE_AFTER:
                    plan.failures = 0
                continue
            if plan.due is None:
                plan.failures += 1
                delay = restart_delay(plan.failures)
                plan.due = now + delay
                notes.append(f"The {label} stopped unexpectedly ({describe_exit(code)}); "
                             f"starting it again in {delay:.0f} s. The rest keeps running.")
            elif now >= plan.due:
                process.wait(time.monotonic())  # reap it, close its log
                plan.due = None
                self._starter(name)()
                notes.append(f"The {label} is starting again.")
        return notes

    def stop(self) -> None:
        """Stop every child at once (SIGTERM, then SIGKILL after STOP_TIMEOUT)."""
        with _signals_held():
            processes = list(self.processes.values())
            for process in processes:
                if process.popen.poll() is None:
                    process.signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            for process in processes:
                process.wait(deadline)
            self.processes.clear()
            self._restarts.clear()

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
