"""Several replicas behind a load balancer, on one machine: `engage run --replicas N`, the
scale-out tests (tests/scale/) and `python -m bench.scaleout`.

A replica is a Rasa server with its own action server (and, when asked, its own worker): a
Rasa server calls only its own action server, so a replica that dies takes nothing of another
with it, and N action servers serve N Rasa servers' turns without a second load balancer.
The front is HAProxy (bot/haproxy.py), on the address residents' providers call (the Rasa
port, 5005 by default), routing each resident to one replica, and the staff console, once.
The workers and the console reach Rasa through the load balancer too, so an invitation goes
to the replica that serves the resident's replies.

Every replica shares PostgreSQL (data, the contact vault, Rasa's tracker store, the inbox's
per-resident claims), Redis for Rasa's lock store and Redis for the worker's queue:
`scale_out_problems()` says what is missing before anything starts.
"""

from __future__ import annotations

import secrets
import signal
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot import haproxy, settings
from bot.config import ROOT
from bot.stack import (
    Stack,
    StackConfig,
    StackError,
    _signals_held,
    free_port,
    interrupted_by_signals,
)

REDIS_SCHEMES = ("redis://", "rediss://")


def scale_out_problems(database_url: str, env: dict[str, str] | None = None,
                       haproxy_binary: str | None = "") -> list[str]:
    """What stops several replicas from sharing their state, in plain words (empty: none).
    `haproxy_binary` "" means look for it; None means it is missing."""
    problems = []
    if not database_url.startswith(("postgresql://", "postgresql+")):
        problems.append("ENGAGE_DATABASE_URL must be a PostgreSQL database "
                        "(postgresql://user@host/db): every replica shares its data and Rasa's "
                        "tracker store, and SQLite is one process's.")
    lock_store = (settings.value("ENGAGE_LOCK_STORE_URL", env) or "").strip()
    if not lock_store.startswith(REDIS_SCHEMES):
        problems.append("ENGAGE_LOCK_STORE_URL must be a Redis address (redis://host:6379/1): "
                        "the replicas share Rasa's conversation locks there.")
    queue = (settings.value("ENGAGE_QUEUE_URL", env) or "").strip()
    if not queue.startswith(REDIS_SCHEMES):
        problems.append("ENGAGE_QUEUE_URL must be a Redis address (redis://host:6379/0): "
                        "the replicas' workers share one queue there.")
    if (haproxy.binary() if haproxy_binary == "" else haproxy_binary) is None:
        problems.append(haproxy.missing_message())
    return problems


@dataclass
class FleetConfig:
    model: Path
    database_url: str
    secret_key: str
    replicas: int = 2
    balancer_port: int = 5005  # where HAProxy listens: the address providers call
    log_dir: Path | None = None  # None: every process writes to this terminal
    extra_env: dict[str, str] = field(default_factory=dict)
    worker: bool = True  # a worker per replica
    console: bool = False
    console_port: int = 5080
    haproxy_file: Path | None = None  # where its configuration is written; default log_dir/var
    replica_env: dict[int, dict[str, str]] = field(default_factory=dict)  # per replica, tests

    @property
    def balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"


class Fleet:
    """N replicas (bot.stack.Stack each: Rasa, its action server, a worker) and one front
    (HAProxy, the console), started, watched and stopped together."""

    def __init__(self, config: FleetConfig) -> None:
        if config.replicas < 1:
            raise ValueError("at least one replica")
        self.config = config
        api_token = secrets.token_urlsafe(32)  # any worker calls any Rasa, through HAProxy
        self.replicas = [Stack(StackConfig(
            model=config.model, database_url=config.database_url,
            secret_key=config.secret_key, rasa_port=free_port(), action_port=free_port(),
            log_dir=self._log_dir(f"replica-{number + 1}"),
            extra_env={**config.extra_env, **config.replica_env.get(number, {})},
            api_token=api_token, worker=config.worker, balancer_url=config.balancer_url))
            for number in range(config.replicas)]
        backends = [haproxy.Backend(f"rasa{number + 1}", "127.0.0.1", stack.config.rasa_port)
                    for number, stack in enumerate(self.replicas)]
        file = config.haproxy_file or (config.log_dir or ROOT / "var") / "haproxy.cfg"
        haproxy.write_config(file, backends, config.balancer_port)
        self.front = Stack(StackConfig(
            model=config.model, database_url=config.database_url,
            secret_key=config.secret_key, rasa_port=config.balancer_port,
            log_dir=self._log_dir("front"), extra_env=config.extra_env, api_token=api_token,
            serve=False, haproxy_config=file, console=config.console,
            console_port=config.console_port))

    def _log_dir(self, name: str) -> Path | None:
        return self.config.log_dir / name if self.config.log_dir else None

    @property
    def stacks(self) -> list[Stack]:
        return [*self.replicas, self.front]

    @property
    def url(self) -> str:
        """The load balancer: where providers, `engage chat` and the tests send messages."""
        return self.config.balancer_url

    def start(self, timeout: float = 240) -> Fleet:
        try:
            for stack in self.stacks:  # all at once: Rasa servers load their models together
                stack.spawn_all()
            deadline = time.monotonic() + timeout
            for stack in self.stacks:
                stack.wait_until_ready(max(deadline - time.monotonic(), 1))
            self.wait_until_balanced(max(deadline - time.monotonic(), 1))
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_balanced(self, timeout: float = 30) -> None:
        """Until HAProxy answers /ready from a replica."""
        deadline = time.monotonic() + timeout
        while not _answers(f"{self.url}/ready"):
            haproxy_process = self.front.processes.get("haproxy")
            if haproxy_process and haproxy_process.popen.poll() is not None:
                raise StackError(f"haproxy exited with {haproxy_process.popen.returncode}")
            if time.monotonic() > deadline:
                raise StackError(f"the load balancer did not answer within {timeout:.0f}s")
            time.sleep(0.3)

    def keep_running(self) -> list[str]:
        """Each replica's and the front's dead children started again (Stack.keep_running)."""
        notes = []
        for number, stack in enumerate(self.replicas):
            notes += [f"Replica {number + 1}: {note}" for note in stack.keep_running()]
        return notes + self.front.keep_running()

    def stop(self) -> None:
        """Every child of every stack at once (SIGTERM, then SIGKILL)."""
        with _signals_held():
            for stack in self.stacks:
                for process in stack.processes.values():
                    if process.popen.poll() is None:
                        process.signal(signal.SIGTERM)
            for stack in self.stacks:
                stack.stop()

    @contextmanager
    def stopped_by_signals(self) -> Iterator[Fleet]:
        """As Stack.stopped_by_signals, for every stack of the fleet."""
        with interrupted_by_signals(lambda: self.stacks):
            yield self

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
