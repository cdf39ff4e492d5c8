"""The `engage` command as staff use it: help with examples, clear errors, no side effects."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
ENGAGE = str(Path(sys.executable).parent / "engage")
FIXTURE = ROOT / "tests" / "fixtures" / "campaign_all_steps.yml"


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command staff can type, read from the parser itself so a new one is never missed."""
    found: list[list[str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += leaf_commands(sub, (*prefix, name))
    return found or [list(prefix)]


COMMANDS = leaf_commands(build_parser())


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    return {"ENGAGE_DATABASE_URL": url, "ENGAGE_VAR_DIR": str(tmp_path / "var"),
            "PATH": str(Path(sys.executable).parent)}


def engage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ENGAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_list_is_read_from_the_parser():
    names = {" ".join(command) for command in COMMANDS}
    assert {"campaign launch", "campaign reach", "worker", "console", "staff add", "purge",
            "language check", "themes run", "quotes queue"} <= names
    assert len(names) == len(COMMANDS) > 30


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "example:" in out and f"engage {' '.join(command)}" in out


def test_purge_says_the_worker_already_runs_it(capsys):
    with pytest.raises(SystemExit):
        main(["purge", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "later release" not in out
    assert "worker already does this every day" in out


def test_publish_then_list_then_republish_is_unchanged(env):
    first = engage(env, "campaign", "publish", str(FIXTURE))
    assert first.returncode == 0, first.stderr
    assert "version 1 created" in first.stdout
    assert "version 1 unchanged" in engage(env, "campaign", "publish", str(FIXTURE)).stdout
    assert "test-all-steps" in engage(env, "campaign", "list").stdout


def test_mistakes_get_a_plain_message_and_change_nothing(env, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("id: broken\nsteps: [{id: a, type: poll}]\n")
    for args in (["campaign", "publish", str(FIXTURE), str(broken)],
                 ["campaign", "publish", "no-such-file.yml"],
                 ["export", "no-such-campaign"],
                 ["chat", "--campaign", "no-such-campaign"]):
        result = engage(env, *args)
        assert result.returncode == 1, args
        assert "Error:" in result.stderr and "Traceback" not in result.stderr
    # The valid file listed before the broken one was not published either.
    assert "No campaigns are published yet" in engage(env, "campaign", "list").stdout


def test_erase_by_address_needs_the_key(env):
    result = engage(env, "erase", "--address", "+447700900123", "--channel", "sms")
    assert result.returncode == 1 and "ENGAGE_SECRET_KEY" in result.stderr


def test_export_of_an_empty_campaign_is_empty(env):
    engage(env, "campaign", "publish", str(FIXTURE))
    jsonl = engage(env, "export", "test-all-steps", "--format", "jsonl")
    assert jsonl.returncode == 0 and jsonl.stdout == ""
    csv = engage(env, "export", "test-all-steps", "--format", "csv")
    header = csv.stdout.splitlines()[0].split(",")
    assert header[:7] == ["participant", "campaign_version", "channel", "language", "status",
                          "started_at", "last_message_at"]
    assert header[7:] == ["travel_mode", "travel_mode.why", "fare_cost", "priorities", "ideas",
                          "others_mode", "travel_mode_again",  # one column per answer, no info
                          "personal_details", "themes"]


CLASHING = """\
id: taxis
title: {en: Taxis}
organisation: {en: Council}
languages: [en]
keywords: [TAXIS]
retention_days: 30
consent: {version: "1", text: {en: "Kept 30 days. Text STOP to stop, DELETE to delete."}}
thanks: {en: Thanks}
steps:
  - id: mode
    type: choice
    text: {en: "How do you get there?"}
    options: [{id: a, text: {en: "Buses"}}, {id: b, text: {en: "Walking"}}]
"""


def test_run_reports_an_example_it_cannot_publish_and_publishes_the_rest(tmp_path, capsys):
    """A live campaign whose option is an example's keyword (BUSES) blocks that example only:
    `engage run` says why and goes on, instead of stopping with a traceback."""
    from bot.campaigns.publishing import publish_files
    from bot.commands.run import publish_examples

    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    other = tmp_path / "taxis.yml"
    other.write_text(CLASHING, encoding="utf-8")
    publish_files([str(other)], url)
    publish_examples(url)
    captured = capsys.readouterr()
    assert "WARNING: the example campaign" in captured.err and "buses-2026.yml" in captured.err
    assert "BUSES" in captured.err
    assert "Published parks-2026: version 1" in captured.out


@pytest.mark.parametrize("variable", ["ENGAGE_RASA_PORT", "ENGAGE_ACTION_PORT",
                                      "ENGAGE_CONSOLE_PORT"])
def test_a_bad_port_variable_stops_only_run_with_a_plain_message(monkeypatch, tmp_path, capsys,
                                                                 variable):
    from bot.cli import main

    monkeypatch.setenv(variable, "eighty")
    assert main(["campaign", "check", str(ROOT / "campaigns" / "parks-2026.yml")]) == 0
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    assert main(["run", "--model", str(model)]) == 1
    assert f"Error: {variable} must be a port number from 1 to 65535 (it is 'eighty')." in \
        capsys.readouterr().err
