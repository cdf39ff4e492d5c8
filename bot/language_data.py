"""Reading `languages/<code>/`: one folder of data per language, no code (docs/languages.md).

    languages/<code>/language.yml   its names, command words, yes/no, numbers, little words
    languages/<code>/phrases.yml    the bot's own sentences
    languages/<code>/nlu.yml        Rasa training examples for the meta-intents
    languages/<code>/stopwords.yml  words the themes of open answers leave out

Files are read with YAML's base loader, so every value is text: a volunteer who writes
`no` or `on` in a list gets the word, never a boolean. A file that is not shaped as described
raises LanguageDataError naming the file and the field, so a broken folder is found at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES_DIR = Path(__file__).resolve().parent.parent / "languages"
FALLBACK_LANGUAGE = "en"
# The command words every language needs, in the order `engage language check` lists them.
COMMANDS = ("stop", "start", "help", "repeat", "skip", "more", "delete")
DIRECTIONS = ("ltr", "rtl")
LIST_FIELDS = ("around_names", "yes", "no", "number_prefixes", "negations", "little_words",
               "last", "same_as_english", "stop_phrases", "delete_phrases", "polite",
               "stop_in_answers")

Words = tuple[str, ...]


class LanguageDataError(ValueError):
    """A language folder that cannot be read: which file, which field, what is wrong."""


@dataclass(frozen=True)
class Language:
    """A supported language, as its folder describes it."""

    code: str
    endonym: str
    english_name: str = ""
    direction: str = "ltr"
    script: str = "Latin"
    reviewed: bool = False
    order: int = 100
    # Names people type for it, by the language they write in (code -> names).
    names_by_language: Mapping[str, Words] = field(default_factory=dict)
    around_names: Words = ()
    commands: Mapping[str, Words] = field(default_factory=dict)
    # Phrases that ask to opt out (or to delete their data) wherever they are in a message,
    # even a long one: "please take me off your list", "don't text me again". Never words
    # that also name something ordinary ("stop" is a bus stop): those are `commands`.
    stop_phrases: Words = ()
    delete_phrases: Words = ()
    # Words of politeness or urgency around a command ("STOP please", "para ya por favor"):
    # a stop word with only these around it is still a stop word. Never "the", "at", "bus".
    polite: Words = ()
    # Words of stopping or closing that ordinary answers use too, never opt-outs by themselves
    # ("band": "sadak band karo" is "close the road"): the model's STOP is not trusted for a
    # message with one among other words, as for a short stop word ("bus stop").
    stop_in_answers: Words = ()
    yes: Words = ()
    no: Words = ()
    numbers: Mapping[int, Words] = field(default_factory=dict)
    ordinals: Mapping[int, Words] = field(default_factory=dict)
    last: Words = ()  # "the last one": the last option, however many there are
    number_prefixes: Words = ()
    negations: Words = ()
    little_words: Words = ()
    # Phrases that really read the same as the English ones (Spanish "No").
    same_as_english: Words = ()
    # Letters sent as others over SMS when a campaign asks for plain spelling ("ą" -> "a").
    sms_plain: Mapping[str, str] = field(default_factory=dict)
    # Words that name the same thing in an answer, a group to a line ("autocarro", "ônibus"):
    # a reply with one of them matches an option written with another.
    synonyms: tuple[Words, ...] = ()
    # How each letter of a non-Latin script is written in Latin letters (the consonants:
    # "ب: b", "ਪ: p"; vowels need nothing), so "paidal" matches "پیدل" and "hete" "হেঁটে".
    # "a|b": either; several letters as one key ("্য") are read before single ones.
    latin_letters: Mapping[str, str] = field(default_factory=dict)
    phrases: Mapping[str, str] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def names(self) -> Words:
        """Every name people type for it, in any language."""
        return tuple(name for names in self.names_by_language.values() for name in names)

    def command(self, name: str) -> Words:
        return self.commands.get(name, ())

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LanguageDataError(f"{path}: cannot be read ({error})") from error


def _words(value: Any, where: str) -> Words:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise LanguageDataError(f"{where} must be a list of words")
    return tuple(word.strip() for word in value if word.strip())


def _numbered(value: Any, where: str) -> dict[int, Words]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise LanguageDataError(f"{where} must map numbers to lists of words")
    found = {}
    for key, words in value.items():
        if not str(key).isdigit():
            raise LanguageDataError(f"{where}: '{key}' is not a number")
        found[int(key)] = _words(words, f"{where}.{key}")
    return found


def _text_map(value: Any, where: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise LanguageDataError(f"{where} must map keys to texts")
    return {str(key): text.strip() for key, text in value.items()}


def _groups(value: Any, where: str) -> tuple[Words, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise LanguageDataError(f"{where} must be a list of lists of words")
    groups = tuple(_words(group, f"{where}[{number}]") for number, group in enumerate(value))
    if any(len(group) < 2 for group in groups):
        raise LanguageDataError(f"{where}: each group needs at least two words")
    return groups


def _letters(value: Any, where: str) -> dict[str, str]:
    """A letter map whose empty values are kept: a vowel is written as nothing."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise LanguageDataError(f"{where} must map letters to Latin letters")
    return {str(key): text.strip() for key, text in value.items()}


def _flag(value: Any, where: str) -> bool:
    if value in (None, ""):
        return False
    if str(value).lower() not in ("true", "false"):
        raise LanguageDataError(f"{where} must be true or false")
    return str(value).lower() == "true"


def load_language(folder: Path) -> Language:
    """One language folder; LanguageDataError when its files are not shaped as described."""
    path = folder / "language.yml"
    data = _read(path)
    if not isinstance(data, dict):
        raise LanguageDataError(f"{path}: must be a mapping of fields")
    code = str(data.get("code", ""))
    if code != folder.name:
        raise LanguageDataError(f"{path}: code '{code}' must be the folder's name "
                                f"'{folder.name}'")
    where = str(path)
    direction = str(data.get("direction", "ltr"))
    if direction not in DIRECTIONS:
        raise LanguageDataError(f"{where}: direction must be ltr or rtl")
    names = data.get("names") or {}
    if not isinstance(names, dict):
        raise LanguageDataError(f"{where}: names must map language codes to lists of names")
    commands = data.get("commands") or {}
    if not isinstance(commands, dict):
        raise LanguageDataError(f"{where}: commands must map command names to lists of words")
    unknown = set(commands) - set(COMMANDS)
    if unknown:
        raise LanguageDataError(f"{where}: unknown command {', '.join(sorted(unknown))} "
                                f"(the commands are {', '.join(COMMANDS)})")
    phrases_path = folder / "phrases.yml"
    phrases = _read(phrases_path) if phrases_path.exists() else {}
    order = str(data.get("order", "100"))
    if not order.isdigit():
        raise LanguageDataError(f"{where}: order must be a whole number")
    lists = {name: _words(data.get(name), f"{where}: {name}") for name in LIST_FIELDS}
    return Language(
        code=code,
        endonym=str(data.get("name") or code),
        english_name=str(data.get("english_name") or data.get("name") or code),
        direction=direction,
        script=str(data.get("script") or "Latin"),
        reviewed=_flag(data.get("reviewed"), f"{where}: reviewed"),
        order=int(order),
        names_by_language={str(lang): _words(words, f"{where}: names.{lang}")
                           for lang, words in names.items()},
        commands={name: _words(words, f"{where}: commands.{name}")
                  for name, words in commands.items()},
        numbers=_numbered(data.get("numbers"), f"{where}: numbers"),
        ordinals=_numbered(data.get("ordinals"), f"{where}: ordinals"),
        sms_plain=_text_map(data.get("sms_plain"), f"{where}: sms_plain"),
        synonyms=_groups(data.get("synonyms"), f"{where}: synonyms"),
        latin_letters=_letters(data.get("latin_letters"), f"{where}: latin_letters"),
        phrases=_text_map(phrases, str(phrases_path)),
        folder=folder,
        **lists,
    )


def language_folders(root: Path = LANGUAGES_DIR) -> list[Path]:
    """Every folder under `root` with a language.yml (others, such as a README, are not)."""
    if not root.is_dir():
        return []
    return sorted(entry for entry in root.iterdir() if (entry / "language.yml").is_file())


def load_languages(root: Path = LANGUAGES_DIR) -> dict[str, Language]:
    """Every language under `root`, in their `order` (then by code); English must be there,
    as the language every phrase falls back to."""
    found = [load_language(folder) for folder in language_folders(root)]
    by_code = {language.code: language
               for language in sorted(found, key=lambda lang: (lang.order, lang.code))}
    if FALLBACK_LANGUAGE not in by_code:
        raise LanguageDataError(f"{root}: no '{FALLBACK_LANGUAGE}' folder (every phrase falls "
                                "back to English)")
    return by_code
