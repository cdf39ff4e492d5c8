"""Commands a resident can send at any time, matched as whole messages, never by a model.

STOP and its equivalents are checked first and by exact (folded) match only, so opting out
works even if the language model is missing, wrong or unsure.
"""

from __future__ import annotations

from enum import Enum

from bot.engine import vocabulary as words
from bot.text import fold


class Command(str, Enum):
    STOP = "stop"
    HELP = "help"
    REPEAT = "repeat"
    SKIP = "skip"
    MORE = "more"
    ERASE = "erase"


_OPT_OUT = words.folded(words.OPT_OUT)
_RESUBSCRIBE = words.folded(words.RESUBSCRIBE)
_KEYWORDS: dict[str, Command] = {
    key: command
    for command, vocabulary in (
        (Command.HELP, words.HELP), (Command.REPEAT, words.REPEAT), (Command.SKIP, words.SKIP),
        (Command.MORE, words.MORE), (Command.ERASE, words.ERASE),
    )
    for key in words.folded(vocabulary)
}
# Rasa meta-intents that mean the same as a command word.
INTENT_COMMANDS: dict[str, Command] = {command.value: command for command in Command}


def is_opt_out(text: str) -> bool:
    """The whole message is a stop word in any supported language ("STOP", "Rezygnuję!")."""
    return fold(text) in _OPT_OUT


def is_resubscribe(text: str) -> bool:
    """The whole message is a carrier re-subscribe word ("START", "UNSTOP", "DECHRAU", "ابدأ"):
    after STOP it starts again with fresh consent; otherwise it is like the keyword again."""
    return fold(text) in _RESUBSCRIBE


def is_erase(text: str) -> bool:
    """The whole message asks for the resident's data to be deleted."""
    return _KEYWORDS.get(fold(text)) is Command.ERASE


def is_help(text: str) -> bool:
    """The whole message asks for help ("HELP", "what?", "nie rozumiem")."""
    return _KEYWORDS.get(fold(text)) is Command.HELP


def keyword_command(text: str) -> Command | None:
    """The command a whole message names, opt-out first; None for anything else."""
    key = fold(text)
    if key in _OPT_OUT:
        return Command.STOP
    return _KEYWORDS.get(key)
