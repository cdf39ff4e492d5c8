"""The command lines the stack starts must parse as their programs read them, and never carry
a secret (`ps` shows every command line to every user of the machine)."""

from __future__ import annotations

from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.rasa_server import with_token
from bot.stack import Stack, StackConfig


def _rasa_command(token: str) -> list[str]:
    config = StackConfig(model=Path("models/engage.tar.gz"), database_url="sqlite://",
                         secret_key="s", api_token=token)
    command = Stack(config).rasa_command()  # python -m bot.rasa_server run ...
    return command[command.index("run"):]


def test_the_api_token_is_not_on_the_command_line():
    token = "secret-token-value-0123456789"
    assert not any(token in argument for argument in _rasa_command(token))


def test_a_token_that_begins_with_a_dash_still_reaches_rasa_as_the_token():
    # token_urlsafe draws from A-Z a-z 0-9 - _, so one start in 64 gets a token like this one.
    arguments = with_token(_rasa_command("-Xy_token"), {"ENGAGE_RASA_TOKEN": "-Xy_token"})
    args = create_argument_parser().parse_args(arguments)
    assert args.auth_token == "-Xy_token"
    assert args.enable_api is True


def test_a_token_given_on_the_command_line_is_left_alone():
    arguments = ["run", "--enable-api", "--auth-token=given"]
    assert with_token(arguments, {"ENGAGE_RASA_TOKEN": "other"}) == arguments


def test_no_api_no_token():
    assert with_token(["run"], {"ENGAGE_RASA_TOKEN": "t"}) == ["run"]
