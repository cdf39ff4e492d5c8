"""`python -m bot.process NAME`, what the image runs: each process starts from its environment
alone, and refuses to start, naming the variable, when something it needs is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import probe
from bot.config import ROOT
from bot.health import readiness
from bot.process import main, rasa_arguments
from bot.stack import free_port

TOKEN = "t" * 24


def run(name: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.process", name], cwd=ROOT,
                          env={"PATH": os.environ["PATH"], **env}, capture_output=True,
                          text=True, timeout=timeout)


def test_an_unknown_process_gets_the_list(capsys) -> None:
    assert main(["nginx"], env={}) == 2
    assert "migrate, rasa, actions, worker, console" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["migrate", "rasa", "actions", "worker", "console"])
def test_no_process_starts_without_its_database(name: str, capsys) -> None:
    assert main([name], env={}) == 1
    assert "ENGAGE_DATABASE_URL" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["ENGAGE_SECRET_KEY", "ENGAGE_ACTION_TOKEN",
                                     "ENGAGE_ACTION_URL", "ENGAGE_RASA_TOKEN"])
def test_rasa_names_what_it_is_missing(missing: str, capsys) -> None:
    env = {"ENGAGE_DATABASE_URL": "sqlite://", "ENGAGE_SECRET_KEY": TOKEN,
           "ENGAGE_ACTION_TOKEN": TOKEN, "ENGAGE_ACTION_URL": "http://actions:5055/webhook",
           "ENGAGE_RASA_TOKEN": TOKEN}
    del env[missing]
    assert main(["rasa"], env=env) == 1
    assert missing in capsys.readouterr().err


def test_a_short_token_is_refused(capsys) -> None:
    env = {"ENGAGE_DATABASE_URL": "sqlite://", "ENGAGE_ACTION_TOKEN": "short"}
    assert main(["actions"], env=env) == 1
    assert "at least 16" in capsys.readouterr().err


def test_rasa_listens_where_it_is_told_with_its_api_behind_the_token() -> None:
    arguments = rasa_arguments({"ENGAGE_SECRET_KEY": TOKEN, "ENGAGE_ACTION_TOKEN": TOKEN,
                                "ENGAGE_ACTION_URL": "http://a/webhook",
                                "ENGAGE_RASA_TOKEN": TOKEN, "ENGAGE_RASA_INTERFACE": "0.0.0.0",
                                "ENGAGE_MODEL": "/models/m.tar.gz"})
    assert arguments[arguments.index("--interface") + 1] == "0.0.0.0"
    assert arguments[arguments.index("--model") + 1] == "/models/m.tar.gz"
    assert "--enable-api" in arguments
    assert not any(TOKEN in argument for argument in arguments)  # bot/rasa_server adds it


@contextmanager
def action_server(url: str, answering: str) -> Iterator[str]:
    """`python -m bot.process actions` on `url`, once `answering` (a path) answers 200; yields
    its base address and stops it afterwards."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "ENGAGE_DATABASE_URL": url, "ENGAGE_ACTION_TOKEN": TOKEN,
           "ENGAGE_ACTION_PORT": str(port)}
    actions = subprocess.Popen([sys.executable, "-m", "bot.process", "actions"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not probe.answers(base + answering, timeout=1):
            assert actions.poll() is None, "the action server exited"
            assert time.monotonic() < deadline, f"the action server never answered {answering}"
            time.sleep(0.3)
        yield base
    finally:
        actions.terminate()
        actions.wait(20)


def test_migrate_then_the_action_server_comes_up_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    assert not readiness(url).ready
    migrated = run("migrate", {"ENGAGE_DATABASE_URL": url})
    assert migrated.returncode == 0, migrated.stderr
    assert readiness(url).ready
    with action_server(url, "/ready") as base:
        assert probe.main([f"{base}/ready"]) == 0
    assert probe.main([f"{base}/ready"]) == 1


def test_the_probe_fails_on_a_server_that_is_not_ready(tmp_path: Path) -> None:
    """The compose health check: an action server on an unmigrated database is alive, not ready."""
    with action_server(f"sqlite:///{tmp_path / 'empty.db'}", "/health") as base:
        assert probe.main([f"{base}/ready"]) == 1
