"""`rasa run` as the stack starts it: `python -m bot.rasa_server run ...` takes exactly the
arguments of `rasa run ...`, with the libraries' deprecation warnings silenced first
(bot/library_warnings.py), so a newcomer's terminal shows the product's own lines, and the
measured fixes to Rasa (bot/rasa_tuning.py) applied before Rasa starts. Nothing in bot/ changes
Rasa on import: the tracker store and REST channel apply the same fixes when Rasa builds them,
for deployments that start `rasa run` themselves."""

from __future__ import annotations

import sys

from bot import library_warnings


def main(argv: list[str] | None = None) -> None:
    library_warnings.silence()
    from bot import rasa_tuning  # imports Rasa: after the warnings are silenced

    rasa_tuning.apply()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
