"""Commands a resident can send at any time, matched as whole messages, never by a model.

STOP and its equivalents are checked first, by exact (folded) match of the whole message or a
stop phrase anywhere in it ("please take me off your list"), so opting out works even if the
language model is missing, wrong or unsure. A stop word is never looked for inside a longer
message: "stop 3 is closer" and "I stopped taking the bus" are answers. The other commands
also match with little words around them ("skip it please", "I'll pass") and with a letter
held down ("helpp", "skiiip").
"""

from __future__ import annotations

import difflib
import re
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


_RUNS = re.compile(r"(\w)\1+")


def squeezed(key: str) -> str:
    """A folded key with every letter held down typed once: "stopp" -> "stop", "helppp" ->
    "help" (and "tak" stays "tak")."""
    return _RUNS.sub(r"\1", key)


_OPT_OUT = words.folded(words.OPT_OUT)
STOP_EMOJI = ("\U0001f6d1", "\ufe0f")  # the stop sign (and the variation selector after it)
_OPT_OUT_SQUEEZED = frozenset(squeezed(key) for key in _OPT_OUT)
_RESUBSCRIBE = words.folded(words.RESUBSCRIBE)
_LITTLE = words.folded(words.STOP_WORDS)
_POLITE = frozenset(token for key in words.folded(words.POLITE) for token in key.split())
# Politeness, and a plain no, around a stop word: "no, stop", "nie, stop", "maya jooji".
_AROUND_STOP = _POLITE | frozenset(key for key in words.folded(words.NO) if " " not in key)
_COMMANDS = (
    (Command.HELP, words.HELP), (Command.REPEAT, words.REPEAT), (Command.SKIP, words.SKIP),
    (Command.MORE, words.MORE), (Command.ERASE, words.ERASE),
)
_KEYWORDS: dict[str, Command] = {
    key: command for command, vocabulary in _COMMANDS for key in words.folded(vocabulary)
}


def _phrases(vocabulary: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(key.split()) for key in words.folded(vocabulary)}, key=len,
                        reverse=True))


_STOP_PHRASES = _phrases(words.STOP_PHRASES)
_ERASE_PHRASES = _phrases(words.ERASE_PHRASES)


def _trim(tokens: list[str]) -> list[str]:
    """Without the little words at either end: "skip it please" -> "skip"."""
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _LITTLE:
        start += 1
    while end > start and tokens[end - 1] in _LITTLE:
        end -= 1
    return tokens[start:end]


def _loose_keywords() -> dict[str, Command]:
    """Each command word trimmed and squeezed, as a reply is before it is looked up; a key two
    commands would share, or that is a stop, yes or no word, is left out."""
    found: dict[str, set[Command]] = {}
    for key, command in _KEYWORDS.items():
        for form in (key, " ".join(_trim(key.split()))):
            for variant in (form, squeezed(form)):
                if variant:
                    found.setdefault(variant, set()).add(command)
    taken = _OPT_OUT | words.folded(words.YES) | words.folded(words.NO)
    return {key: commands.pop() for key, commands in found.items()
            if len(commands) == 1 and key not in taken}


_LOOSE_KEYWORDS = _loose_keywords()
# Rasa meta-intents that mean the same as a command word.
INTENT_COMMANDS: dict[str, Command] = {command.value: command for command in Command}


# Each phrase list, indexed by its first word: every message is checked against hundreds of
# phrases in every language, and a message's own words pick out the few that can match.
_PHRASES_BY_FIRST_WORD: dict[int, tuple[tuple[tuple[str, ...], ...],
                                        dict[str, list[tuple[str, ...]]]]] = {}


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    known = _PHRASES_BY_FIRST_WORD.get(id(phrases))
    if known is not None and known[0] is phrases:
        return known[1]
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0] if phrase else "", []).append(phrase)
    _PHRASES_BY_FIRST_WORD[id(phrases)] = (phrases, index)
    return index


def _mentions(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the words contain one of the phrases, word for word."""
    index = _by_first_word(phrases)
    if "" in index and () in index[""]:
        return True  # an empty phrase is in every message
    for i, token in enumerate(tokens):
        for phrase in index.get(token, ()):
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                return True
    return False


def is_opt_out(text: str) -> bool:
    """The whole message is a stop word in any supported language ("STOP", "Rezygnuję!",
    "stopp"), or it has a stop phrase anywhere ("please remove me from your list")."""
    if STOP_EMOJI[0] in text and all(ch in STOP_EMOJI or ch.isspace() for ch in text.strip()):
        return True  # 🛑
    key = fold(text)
    tokens = key.split()
    if len(tokens) > 1 and all(len(token) == 1 for token in tokens):
        tokens = ["".join(tokens)]  # "S T O P"
    tokens = [token for i, token in enumerate(tokens) if i == 0 or token != tokens[i - 1]]
    key = " ".join(tokens)  # "stop stop stop" is "stop"
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _POLITE:
        start += 1
    while end > start and tokens[end - 1] in _POLITE:
        end -= 1
    # Without a plain no around it too ("no, stop"), unless what is left is also a little
    # word: Spanish "no para" is "it does not stop".
    first, last = start, end
    while first < last and tokens[first] in _AROUND_STOP:
        first += 1
    while last > first and tokens[last - 1] in _AROUND_STOP:
        last -= 1
    without_no = " ".join(tokens[first:last])
    candidates = {key, " ".join(tokens[start:end])}
    if without_no not in _LITTLE:
        candidates.add(without_no)
    for candidate in candidates:
        if candidate in _OPT_OUT or squeezed(candidate) in _OPT_OUT_SQUEEZED:
            return True
    if _only_stop_words(tokens[first:last]):
        return True
    return _mentions(tokens, _STOP_PHRASES) or \
        _misspelt_opt_out(" ".join(tokens[start:end]))


def _only_stop_words(tokens: list[str]) -> bool:
    """Two stop words or more and nothing else ("chega, parem", "basta stop", "jooji stop"):
    each says it by itself."""
    return len(tokens) > 1 and all(token in _STOP_SINGLE or token in _AROUND_STOP
                                   for token in tokens) and \
        sum(token in _STOP_SINGLE for token in tokens) > 1


MIN_MISSPELT_OPT_OUT = 7  # "unsubscibe", "dezabonre", "відписатис"; never "stpo" or "end"
MIN_MISSPELT_PHRASE = 10
MISSPELT_OPT_OUT_RATIO = 0.88
_LONG_OPT_OUTS = tuple(key for key in _OPT_OUT | frozenset(" ".join(p) for p in _STOP_PHRASES)
                       if len(key) >= MIN_MISSPELT_OPT_OUT)


def _misspelt_opt_out(candidate: str) -> bool:
    """The whole message is a long stop word or phrase with a letter or two wrong
    ("unsubsribe", "stop texing me"): one letter in nine at most."""
    if len(candidate) < (MIN_MISSPELT_OPT_OUT if " " not in candidate else MIN_MISSPELT_PHRASE):
        return False  # "non stop" is not "no stop"
    matcher = difflib.SequenceMatcher(None, "", candidate)
    for key in _LONG_OPT_OUTS:
        if abs(len(key) - len(candidate)) > 2:
            continue
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() >= MISSPELT_OPT_OUT_RATIO and \
                matcher.ratio() >= MISSPELT_OPT_OUT_RATIO and _word_for_word(key, candidate):
            return True
    return False


MISSPELT_WORD_RATIO = 0.7


def _word_for_word(key: str, candidate: str) -> bool:
    """Each word of the reply is the phrase's word with a letter or two wrong, not another
    word: "stop texing me" is "stop texting me", "nao quero receber multas" (fines) is not
    "nao quero receber mais". A space missing or too many is let through."""
    words, typed = key.split(), candidate.split()
    if len(words) != len(typed):
        return True
    return all(word == said or difflib.SequenceMatcher(None, word, said).ratio() >=
               MISSPELT_WORD_RATIO or (len(word) <= 3 and word[0] == said[0])
               for word, said in zip(words, typed, strict=True))


# Single stop words that are not also little words (Spanish "para" is "for" too).
_STOP_SINGLE = frozenset(key for key in _OPT_OUT if " " not in key and key not in _LITTLE)
# Every word of a stop word or phrase: "stop texting me now" is made only of them.
_STOP_TOKENS = frozenset(token for key in _OPT_OUT for token in key.split()) | \
    frozenset(token for phrase in _STOP_PHRASES for token in phrase)
# The words of opting out that say something by themselves ("text", "list", "wypisz", not
# "me", "please"): a longer open answer the model calls STOP must use one of them.
_OPT_OUT_WORDS = _STOP_TOKENS - _LITTLE - _POLITE
MAX_AMBIGUOUS_STOP = 6  # "stop", "end", "para", "توقف": short stop words name other things too
# Stop words, and words of stopping that answers use too ("band"), found among other words.
_STOP_AMONG_WORDS = _STOP_SINGLE | words.folded(words.STOP_IN_ANSWERS)


def mentions_stop(text: str) -> bool:
    """A short stop word used as a word of something else: "bus stop", "stop at the
    hospital", "the stops are far", "موقف الباص" (a stop word among other words, or inside
    one). The model's guess of STOP is not trusted for these; an exact stop word or a stop
    phrase is never affected."""
    tokens = fold(text).split()
    if any(token in _STOP_AMONG_WORDS for token in tokens) and \
            any(token not in _STOP_TOKENS | _LITTLE | _POLITE for token in tokens):
        return True
    return any(_inflected(token, word) for token in tokens if token not in _STOP_TOKENS
               for word in _STOP_SINGLE if 2 <= len(word) <= MAX_AMBIGUOUS_STOP)


_CLAUSES = re.compile(r"[,.;:!?\n]+")


def stop_word_closes(text: str) -> bool:
    """The last clause of the message is a stop word by itself ("i've had enough, stopiwch",
    "who are you? STOP"): not a word of something else, so the model's STOP can be trusted
    for it (outside an open question)."""
    clauses = [clause for clause in _CLAUSES.split(text) if fold(clause)]
    if len(clauses) < 2:
        return False
    tokens = [token for token in fold(clauses[-1]).split() if token not in _POLITE]
    return len(tokens) == 1 and tokens[0] in _STOP_SINGLE


def uses_opt_out_words(text: str) -> bool:
    """A word of some opt-out wording is in the message ("i have had more than enough of
    this", "va rog nu ma mai deranjati"); "o trecere de pietoni langa scoala" (a crossing by
    the school) has none, whatever the model thinks of it."""
    return any(token in _OPT_OUT_WORDS for token in fold(text).split())


def _inflected(token: str, word: str) -> bool:
    """"stops", "stopped" for "stop"; "موقف" (a bus stop) for "وقف"."""
    if token == word:
        return False
    if token.startswith(word) and len(token) - len(word) <= 3:
        return True
    return not token.isascii() and not word.isascii() and token.endswith(word)


def asks_erase(text: str) -> bool:
    """A deletion phrase anywhere in the message ("and delete my number")."""
    return _mentions(fold(text).split(), _ERASE_PHRASES)


def is_resubscribe(text: str) -> bool:
    """The whole message is a carrier re-subscribe word ("START", "UNSTOP", "DECHRAU", "ابدأ"):
    after STOP it starts again with fresh consent; otherwise it is like the keyword again."""
    return fold(text) in _RESUBSCRIBE


def is_erase(text: str) -> bool:
    """The whole message asks for the resident's data to be deleted, or has a deletion
    phrase in it."""
    return _loose_command(fold(text)) is Command.ERASE or asks_erase(text)


def is_command_word(text: str) -> bool:
    """The whole message is a command word as listed ("help", "sori?"), not one found by
    trimming little words from it ("na sori")."""
    return fold(text) in _KEYWORDS


def is_help(text: str) -> bool:
    """The whole message asks for help ("HELP", "what?", "nie rozumiem")."""
    return _loose_command(fold(text)) is Command.HELP


def _loose_command(key: str) -> Command | None:
    if key in _KEYWORDS:
        return _KEYWORDS[key]
    trimmed = " ".join(_trim(key.split()))
    for variant in (key, trimmed, squeezed(key), squeezed(trimmed)):
        if variant in _LOOSE_KEYWORDS:
            return _LOOSE_KEYWORDS[variant]
    for part in _partly_trimmed(key.split()):
        if part in _KEYWORDS:
            return _KEYWORDS[part]
    return None


def _partly_trimmed(tokens: list[str]) -> list[str]:
    """The reply with some of the little words at its ends left off: a command word that
    ends in a little word is still found with more around it ("id rather not say tbh": "say"
    is a little word, and "id rather not" alone is a plain no)."""
    lead = 0
    while lead < len(tokens) and tokens[lead] in _LITTLE:
        lead += 1
    tail = 0
    while tail < len(tokens) - lead and tokens[len(tokens) - 1 - tail] in _LITTLE:
        tail += 1
    return [" ".join(tokens[start:len(tokens) - end]) for start in range(lead + 1)
            for end in range(tail + 1) if start + end < len(tokens)]


def keyword_command(text: str) -> Command | None:
    """The command a message names, opt-out first; None for anything else."""
    if is_opt_out(text):
        return Command.STOP
    if asks_erase(text):
        return Command.ERASE
    return _loose_command(fold(text))
