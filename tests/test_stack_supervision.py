"""How the stack keeps its children running (real processes, a chosen clock), and which child
gets which secret. The whole stack under `engage run` is in tests/e2e/test_engage_run.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.stack import RESTART_MAX, STABLE_AFTER, Stack, StackConfig, restart_delay

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class SleeperStack(Stack):
    """A stack whose only child, the "worker", is a process that sleeps."""

    def start_worker(self) -> None:
        self._spawn("worker", SLEEPER, secret=False)


@pytest.fixture
def stack(tmp_path: Path):
    running = SleeperStack(StackConfig(model=tmp_path / "model.tar.gz", database_url="sqlite://",
                                       secret_key="s", log_dir=tmp_path / "logs"))
    running.start_worker()
    yield running
    running.stop()


def kill(stack: Stack) -> int:
    process = stack.processes["worker"]
    process.popen.kill()
    process.popen.wait()
    return process.popen.pid


def test_the_pause_doubles_and_is_capped():
    assert [restart_delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert restart_delay(30) == RESTART_MAX


def test_a_dead_child_is_started_again_after_a_growing_pause(stack):
    assert stack.keep_running() == []  # alive: nothing to do
    first = kill(stack)
    start = stack.processes["worker"].started
    [note] = stack.keep_running(now=start + 5)
    assert note.startswith("The worker stopped unexpectedly (killed by SIGKILL); starting it "
                           "again in 1 s")
    assert stack.keep_running(now=start + 5.5) == []  # not yet due
    assert stack.keep_running(now=start + 6) == ["The worker is starting again."]
    second = stack.processes["worker"]
    assert second.popen.pid != first and second.popen.poll() is None
    kill(stack)  # dies again soon after its start: the pause doubles
    [note] = stack.keep_running(now=second.started + 1)
    assert "starting it again in 2 s" in note


def test_a_child_that_stayed_up_gets_the_short_pause_again(stack):
    kill(stack)
    start = stack.processes["worker"].started
    stack.keep_running(now=start)
    stack.keep_running(now=start + 1)
    restarted = stack.processes["worker"]
    stack.keep_running(now=restarted.started + STABLE_AFTER + 1)  # a minute of good health
    kill(stack)
    [note] = stack.keep_running(now=restarted.started + STABLE_AFTER + 2)
    assert "starting it again in 1 s" in note


def test_stop_ends_every_child(stack):
    popen = stack.processes["worker"].popen
    stack.stop()
    assert popen.poll() is not None and stack.processes == {}


def test_only_rasa_and_the_action_server_hold_the_action_token(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ENGAGE_ACTION_TOKEN", "inherited-from-the-shell")
    config = StackConfig(model=tmp_path / "m", database_url="sqlite://", secret_key="s")
    stack = Stack(config)
    rasa = stack._env(secret=True, rasa_api=True, actions=True)
    actions = stack._env(secret=False, actions=True)
    worker = stack._env(secret=False, rasa_api=True)
    assert rasa["ENGAGE_ACTION_TOKEN"] == actions["ENGAGE_ACTION_TOKEN"] == config.action_token
    assert "ENGAGE_ACTION_TOKEN" not in worker
    assert config.action_token != StackConfig(model=tmp_path / "m", database_url="sqlite://",
                                              secret_key="s").action_token  # fresh each start
    assert config.action_token not in " ".join(stack.rasa_command())  # never on a command line


def test_the_console_holds_the_key_but_neither_token(tmp_path: Path, monkeypatch):
    """The key: to find a resident to erase from a typed number, and to show officers masked
    contacts. Rasa's API token and the action server's: never."""
    monkeypatch.setenv("ENGAGE_RASA_TOKEN", "inherited-from-the-shell")
    config = StackConfig(model=tmp_path / "m", database_url="sqlite://", secret_key="s")
    console = Stack(config)._env(secret=True, rasa_url=True)
    assert console["ENGAGE_RASA_URL"] == config.rasa_url  # "Try it" uses its REST channel
    assert console["ENGAGE_SECRET_KEY"] == "s"
    for secret in ("ENGAGE_RASA_TOKEN", "ENGAGE_ACTION_TOKEN"):
        assert secret not in console
