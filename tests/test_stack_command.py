"""The command lines the stack starts must parse as their programs read them."""

from __future__ import annotations

from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.stack import Stack, StackConfig


def test_a_token_that_begins_with_a_dash_still_reaches_rasa_as_the_token():
    # token_urlsafe draws from A-Z a-z 0-9 - _, so one start in 64 gets a token like this one.
    config = StackConfig(model=Path("models/engage.tar.gz"), database_url="sqlite://",
                         secret_key="s", api_token="-Xy_token")
    command = Stack(config).rasa_command()  # python -m bot.rasa_server run ...
    args = create_argument_parser().parse_args(command[command.index("run"):])
    assert args.auth_token == "-Xy_token"
    assert args.enable_api is True
