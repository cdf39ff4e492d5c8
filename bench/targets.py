"""The two bots under load: ours (full stack on a fresh database) and stock `rasa init`.

Each is a context manager yielding a `Target`: where to POST, and which processes to watch.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import ROOT

BIN = Path(sys.executable).parent
BENCH_VAR = ROOT / "var" / "bench"
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false"}  # only 127.0.0.1 traffic during a benchmark
WEBHOOK = "/webhooks/rest/webhook"


class TargetError(RuntimeError):
    pass


@dataclass
class Target:
    name: str
    url: str  # the REST webhook
    pids: dict[str, int]  # process name -> pid, for CPU accounting
    log_dir: Path
    check: Callable[[], str | None] = lambda: None  # after the run: what was wrong, if anything


def _tracker_events(database_url: str) -> int:
    import sqlalchemy as sa

    from bot.store.db import engine_for

    with engine_for(database_url).connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


def _tracker_store_check(database_url: str, log_dir: Path) -> Callable[[], str | None]:
    """Rasa falls back to its in-memory tracker store, with only a warning, when ours fails
    to import: the figures would then be fast and meaningless. Say so instead."""
    def check() -> str | None:
        try:
            stored = _tracker_events(database_url)
        except Exception as error:  # no events table at all is the same failure
            stored, reason = 0, f" ({error.__class__.__name__})"
        else:
            reason = ""
        if stored:
            return None
        return ("the Rasa server stored no tracker events in the database" + reason +
                f": it probably fell back to the in-memory tracker store; see {log_dir / 'rasa.log'}")
    return check


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def our_stack(model: Path, campaigns: list[Path], database_kind: str = "sqlite"
              ) -> Iterator[Target]:
    """Rasa server + action server + a fresh database (SQLite, or PostgreSQL as in
    production) with the campaigns published."""
    from bench.databases import database
    from bot.campaigns.publishing import publish_files
    from bot.stack import Stack, StackConfig, StackError, free_port

    log_dir = BENCH_VAR / "logs" / "ours"
    shutil.rmtree(log_dir, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as workdir, \
            database(database_kind, Path(workdir), "engage_bench_talk") as url:
        publish_files([str(path) for path in campaigns], url)
        config = StackConfig(model=model, database_url=url, secret_key=secrets.token_urlsafe(32),
                             rasa_port=free_port(), action_port=free_port(), log_dir=log_dir,
                             extra_env=QUIET_ENV)
        stack = Stack(config)
        try:
            stack.start()
        except StackError as error:
            raise TargetError(f"our stack did not start: {error}") from error
        try:
            yield Target("ours", config.rasa_url + WEBHOOK,
                         {"rasa server": stack.processes["rasa"].popen.pid,
                          "action server": stack.processes["actions"].popen.pid}, log_dir,
                         _tracker_store_check(url, log_dir))
        finally:
            stack.stop()


def stock_project(rasa_version: str) -> Path:
    """A `rasa init` project with its trained model, trained once per Rasa version.

    Trained in a temporary folder next to the cache and renamed into place only when complete,
    so an interrupted run never leaves a half-made cache behind.
    """
    home = BENCH_VAR / "stock"
    project = home / f"rasa-{rasa_version}"
    if (project / "models" / "stock.tar.gz").exists():
        return project
    home.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="training-", dir=home))
    log = home / f"train-rasa-{rasa_version}.log"
    try:
        (scratch / "project").mkdir()
        print(f"Training the stock `rasa init` bot once (about a minute; log: {log}) ...",
              flush=True)
        with log.open("wb") as out:
            done = subprocess.run(
                [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(scratch / "project")],
                cwd=scratch / "project", env={**os.environ, **QUIET_ENV}, stdout=out, stderr=out)
        trained = sorted((scratch / "project" / "models").glob("*.tar.gz"))
        if done.returncode != 0 or not trained:
            raise TargetError(f"`rasa init` failed (exit {done.returncode}); see {log}:\n"
                              + _log_tail(log))
        trained[-1].rename(scratch / "project" / "models" / "stock.tar.gz")
        shutil.rmtree(project, ignore_errors=True)
        (scratch / "project").rename(project)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return project


def _wait_until_ready(url: str, popen: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if popen.poll() is not None:
            raise TargetError(f"stock rasa exited with {popen.returncode}; see {log}:\n"
                              + _log_tail(log))
        if time.monotonic() > deadline:
            raise TargetError(f"stock rasa did not start within {timeout:.0f}s; see {log}")
        time.sleep(0.3)


@contextmanager
def stock_bot(rasa_version: str, timeout: float = 180) -> Iterator[Target]:
    """`rasa run` on the stock model: default pipeline, in-memory tracker store, stock REST."""
    from bot.stack import Process, free_port

    project = stock_project(rasa_version)
    log_dir = BENCH_VAR / "logs" / "stock"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    port = free_port()
    log = open(log_dir / "rasa.log", "ab")  # noqa: SIM115 closed by Process.stop()
    popen = subprocess.Popen(
        [str(BIN / "rasa"), "run", "--model", "models/stock.tar.gz", "--port", str(port),
         "--interface", "127.0.0.1", "--credentials", "credentials.yml",
         "--endpoints", "endpoints.yml"],
        cwd=project, env={**os.environ, **QUIET_ENV}, stdout=log, stderr=log,
        start_new_session=True)
    process = Process("stock rasa", popen, log)
    try:
        _wait_until_ready(f"http://127.0.0.1:{port}/webhooks/rest/", popen, log_dir / "rasa.log",
                          timeout)
        yield Target("stock", f"http://127.0.0.1:{port}{WEBHOOK}", {"rasa server": popen.pid},
                     log_dir)
    finally:
        process.stop()
