"""`rasa run` as the stack starts it: `python -m bot.rasa_server run ...` takes exactly the
arguments of `rasa run ...`, with the libraries' deprecation warnings silenced first
(bot/library_warnings.py), so a newcomer's terminal shows the product's own lines."""

from __future__ import annotations

import sys

from bot import library_warnings


def main(argv: list[str] | None = None) -> None:
    library_warnings.silence()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
