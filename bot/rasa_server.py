"""`rasa run` as the stack starts it: `python -m bot.rasa_server run ...` takes exactly the
arguments of `rasa run ...`, with the libraries' deprecation warnings silenced first
(bot/library_warnings.py), so a newcomer's terminal shows the product's own lines, and the
measured fixes to Rasa (bot/rasa_tuning.py) applied before Rasa starts. Nothing in bot/ changes
Rasa on import: the tracker store and REST channel apply the same fixes when Rasa builds them,
for deployments that start `rasa run` themselves."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from bot import library_warnings, settings

TOKEN_ENV = "ENGAGE_RASA_TOKEN"


def with_token(arguments: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    """Rasa takes its API token only as `--auth-token`; whoever starts this module passes it in
    ENGAGE_RASA_TOKEN instead, and it joins the arguments here, in memory, so the command line
    that `ps` shows never carries it. Joined with `=`: a token may begin with "-"."""
    token = settings.value(TOKEN_ENV, env)
    given = any(a == "--auth-token" or a.startswith("--auth-token=") for a in arguments)
    if token and "--enable-api" in arguments and not given:
        return [*arguments, f"--auth-token={token}"]
    return arguments


def main(argv: list[str] | None = None) -> None:
    library_warnings.silence()
    from bot import rasa_tuning  # imports Rasa: after the warnings are silenced

    rasa_tuning.apply()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *with_token(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
