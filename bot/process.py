"""One process of a scaled-out deployment, chosen by name: what the container image runs.

    python -m bot.process migrate    # `engage db upgrade`: once, before the others start
    python -m bot.process rasa       # the Rasa server: channels, REST, Rasa's API; holds the key
    python -m bot.process actions    # the action server
    python -m bot.process worker     # invitations, reminders, the daily purge
    python -m bot.process console    # the staff console

`engage run` starts all of them on one machine and makes their tokens itself; here every
setting comes from the environment (docs/deploy.md lists what each process needs), and tokens
are passed in memory, never on a command line where `ps` would show them. Each process fails
at once, with the variable's name, when something it needs is missing, rather than starting
half-configured behind a load balancer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

from bot import config, settings

MIN_TOKEN_LENGTH = 16


class NotConfigured(Exception):
    """A setting the chosen process cannot start without."""


def _required(name: str, env: Mapping[str, str], min_length: int = 1) -> str:
    given = settings.value(name, env) or ""
    if len(given) < min_length:
        long_enough = f" (at least {min_length} random characters)" if min_length > 1 else ""
        raise NotConfigured(f"set {name}{long_enough} before starting this process.")
    return given


def rasa_arguments(env: Mapping[str, str]) -> list[str]:
    """`rasa run ...` for one replica: its API on (the worker triggers invitations through it),
    always behind the token."""
    _required("ENGAGE_SECRET_KEY", env, config.MIN_SECRET_LENGTH)
    _required("ENGAGE_ACTION_TOKEN", env, MIN_TOKEN_LENGTH)
    _required("ENGAGE_ACTION_URL", env)
    _required("ENGAGE_RASA_TOKEN", env, MIN_TOKEN_LENGTH)  # bot/rasa_server.py adds it in memory
    model = settings.value("ENGAGE_MODEL", env) or str(config.ROOT / "models" / "engage.tar.gz")
    return ["run", "--model", model,
            "--endpoints", str(config.ROOT / "endpoints.yml"),
            "--credentials", str(config.ROOT / "credentials.yml"),
            "--port", settings.value("ENGAGE_RASA_PORT", env),
            "--interface", settings.value("ENGAGE_RASA_INTERFACE", env),
            "--enable-api"]


def _key_opens_the_vault(env: Mapping[str, str]) -> None:
    """The processes that use the secret key refuse one that does not open the vault."""
    from bot.privacy.rotation import wrong_key
    from bot.store.db import session_factory

    secret = _required("ENGAGE_SECRET_KEY", env, config.MIN_SECRET_LENGTH)
    problem = wrong_key(session_factory(settings.value("ENGAGE_DATABASE_URL", env)), secret)
    if problem:
        raise NotConfigured(problem)


def _rasa(env: Mapping[str, str]) -> int:
    arguments = rasa_arguments(env)
    _key_opens_the_vault(env)
    from bot import rasa_server

    rasa_server.main(arguments)
    return 0


def _actions(env: Mapping[str, str]) -> int:
    _required("ENGAGE_ACTION_TOKEN", env, MIN_TOKEN_LENGTH)
    from bot import action_server

    return action_server.main(["--port", settings.value("ENGAGE_ACTION_PORT", env)])


def _worker(env: Mapping[str, str]) -> int:
    _required("ENGAGE_RASA_URL", env)
    _required("ENGAGE_RASA_TOKEN", env, MIN_TOKEN_LENGTH)
    from bot import cli

    return cli.main(["worker"])


def _console(env: Mapping[str, str]) -> int:
    _key_opens_the_vault(env)
    from bot import cli

    return cli.main(["console"])


def _migrate(env: Mapping[str, str]) -> int:
    from bot import cli

    return cli.main(["db", "upgrade"])


PROCESSES: dict[str, Callable[[Mapping[str, str]], int]] = {
    "migrate": _migrate, "rasa": _rasa, "actions": _actions, "worker": _worker,
    "console": _console,
}
NEEDS_DATABASE = frozenset(PROCESSES)  # every one of them: embedded SQLite is for one machine


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    env = settings.environ() if env is None else env
    names = ", ".join(PROCESSES)
    if len(argv) != 1 or argv[0] not in PROCESSES:
        print(f"usage: python -m bot.process {{{names}}}", file=sys.stderr)
        return 2
    try:
        _required("ENGAGE_DATABASE_URL", env)
        return PROCESSES[argv[0]](env)
    except NotConfigured as missing:
        print(f"Error: {argv[0]}: {missing}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
