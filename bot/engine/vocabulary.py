"""The words residents use for commands, yes and no, and numbers, in every supported language.

The words themselves live in each language's folder (`languages/<code>/language.yml`); this
module gathers them for the engine. They are compared after `fold` (case, accents and
punctuation removed), so "Rezygnuję!" and "REZYGNUJE" are the same word. Commands are always
recognised in every supported language, whatever the campaign's languages: a resident may type
the word they know, and opting out must never fail.
"""

from __future__ import annotations

from bot.language import LANGUAGES
from bot.text import fold

Words = tuple[str, ...]


def _by_language(command: str) -> dict[str, Words]:
    return {code: language.command(command) for code, language in LANGUAGES.items()}


def _every(by_language: dict[str, Words]) -> Words:
    return tuple(word for words in by_language.values() for word in words)


# The words a stranger may use first are kept by language, so the answer can be in theirs.
OPT_OUT_BY_LANGUAGE = _by_language("stop")
OPT_OUT = _every(OPT_OUT_BY_LANGUAGE)
# Carrier re-subscribe keywords: after STOP, these (and only these) start a conversation again.
RESUBSCRIBE_BY_LANGUAGE = _by_language("start")
RESUBSCRIBE = _every(RESUBSCRIBE_BY_LANGUAGE)
# The first word of each language is the one shown to residents. "what?" and its equivalents
# are a request for help, not an answer to re-ask.
HELP_BY_LANGUAGE = _by_language("help")
HELP = _every(HELP_BY_LANGUAGE)
REPEAT_BY_LANGUAGE = _by_language("repeat")
REPEAT = _every(REPEAT_BY_LANGUAGE)
SKIP_BY_LANGUAGE = _by_language("skip")
SKIP = _every(SKIP_BY_LANGUAGE)
MORE_BY_LANGUAGE = _by_language("more")
MORE = _every(MORE_BY_LANGUAGE)
ERASE_BY_LANGUAGE = _by_language("delete")
ERASE = _every(ERASE_BY_LANGUAGE)
# Phrases that opt out, or ask for deletion, anywhere in a message ("remove me from the list").
STOP_PHRASES = tuple(word for language in LANGUAGES.values() for word in language.stop_phrases)
POLITE = tuple(word for language in LANGUAGES.values() for word in language.polite)
ERASE_PHRASES = tuple(word for language in LANGUAGES.values()
                      for word in language.delete_phrases)

YES_BY_LANGUAGE = {code: language.yes for code, language in LANGUAGES.items()}
NO_BY_LANGUAGE = {code: language.no for code, language in LANGUAGES.items()}
YES = _every(YES_BY_LANGUAGE)
NO = _every(NO_BY_LANGUAGE)


def _only_in_one(by_language: dict[str, Words]) -> dict[str, str]:
    """word -> language, for the words that only one language uses."""
    users: dict[str, set[str]] = {}
    for code, words in by_language.items():
        for word in words:
            users.setdefault(fold(word), set()).add(code)
    return {word: codes.pop() for word, codes in users.items() if len(codes) == 1 and word}


# Yes-words that only one language uses: a "tak" at the language menu means Polish. English
# ones ("ok", "yes") are typed by speakers of every language, so they say nothing.
YES_LANGUAGE = {word: code for word, code in _only_in_one(YES_BY_LANGUAGE).items()
                if code != "en"}
YES_EMOJI = ("👍", "✅", "✔", "👌", "🆗", "🙆")
NO_EMOJI = ("👎", "❌", "✖", "🚫", "🙅", "⛔")


def _numbers() -> dict[int, Words]:
    found: dict[int, list[str]] = {}
    for language in LANGUAGES.values():
        for table in (language.numbers, language.ordinals):
            for value, words in table.items():
                found.setdefault(value, []).extend(words)
    return {value: tuple(words) for value, words in sorted(found.items())}


# Number words and ordinals: "two", "dau", "drugi", "اثنين", "al doilea".
NUMBER_WORDS: dict[int, Words] = _numbers()
# "One" as a word (not "first"): dropped around an ordinal ("the first one", "pehla wala"),
# where an ordinal itself must never be dropped.
ONE = tuple(word for language in LANGUAGES.values() for word in language.numbers.get(1, ()))
# "The last one": the last option, whatever their number.
LAST = tuple(word for language in LANGUAGES.values() for word in language.last)
# Words put before a number: "option 2", "no. 2", "#2", "rhif 2", "nr 2", "رقم ٢", "varianta 2".
NUMBER_PREFIXES = tuple(word for language in LANGUAGES.values()
                        for word in language.number_prefixes)
NEGATIONS = tuple(word for language in LANGUAGES.values() for word in language.negations)
# Little words that never name an option by themselves: a reply of only these ("the", "yn",
# "i") is not matched against part of an option's words, and they are dropped from either end
# of a reply ("the parking", "parcio plis"). Negations are not here: "not parking" is no answer.
STOP_WORDS = tuple(word for language in LANGUAGES.values() for word in language.little_words)
# Words of stopping or closing in ordinary answers too ("band"): see commands.mentions_stop.
STOP_IN_ANSWERS = tuple(word for language in LANGUAGES.values()
                        for word in language.stop_in_answers)
LITTLE_WORDS_BY_LANGUAGE = {code: language.little_words for code, language in LANGUAGES.items()}


# Words naming the same thing, by language: "autocarro" and "ônibus" (pt).
SYNONYMS: dict[str, tuple[Words, ...]] = {code: language.synonyms
                                          for code, language in LANGUAGES.items()}
# Each non-Latin letter as people write it in Latin letters, from every language that says.
LATIN_LETTERS: dict[str, str] = {fold(letter): latin for language in LANGUAGES.values()
                                 for letter, latin in language.latin_letters.items()
                                 if fold(letter)}


def folded(words: tuple[str, ...]) -> frozenset[str]:
    """The set of matching keys for a word list."""
    return frozenset(key for key in (fold(word) for word in words) if key)


def command_words() -> frozenset[str]:
    """Every folded word that means something by itself: commands, yes and no."""
    return folded(OPT_OUT + RESUBSCRIBE + HELP + REPEAT + SKIP + MORE + ERASE + YES + NO)


def _languages_of() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for by_language in (OPT_OUT_BY_LANGUAGE, RESUBSCRIBE_BY_LANGUAGE, HELP_BY_LANGUAGE,
                        ERASE_BY_LANGUAGE):
        for language, words in by_language.items():
            for key in folded(words):
                found.setdefault(key, set()).add(language)
    return {key: frozenset(languages) for key, languages in found.items()}


_LANGUAGES_OF = _languages_of()


def language_of(text: str) -> str | None:
    """The language of a whole message that is a stop, start, help or delete word, when only
    one language uses it ("POMOC" is Polish; "STOP" is English); None otherwise."""
    languages = _LANGUAGES_OF.get(fold(text), frozenset())
    return next(iter(languages)) if len(languages) == 1 else None


def help_word(language: str) -> str:
    """The word for HELP shown to a resident who reads `language`."""
    words = HELP_BY_LANGUAGE.get(language) or HELP_BY_LANGUAGE["en"]
    return words[0].upper()
