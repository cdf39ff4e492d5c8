"""Turning a resident's reply into an answer for the current step.

Each parser has a strict form (numbers, exact option words: these beat the language model)
and a loose form (a number inside a short sentence, the option's words inside the reply,
part of one option's words, a close misspelling), tried only after the model. All parsers return None when unsure:
a re-ask costs one SMS, a wrong answer spoils the result.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from bot.campaigns.model import Option, Step
from bot.engine import vocabulary as words
from bot.text import clean_reply, fold

MAX_TEXT = 1000
FUZZY_RATIO = 0.8
FUZZY_MARGIN = 0.05
MAX_LOOSE_WORDS = 8
MAX_FUZZY_CHARACTERS = 60
MIN_PREFIX = 4

_NUMBER_WORDS: dict[str, int] = {
    fold(word): value for value, spelled in words.NUMBER_WORDS.items() for word in spelled
}
_PREFIXES = sorted((tuple(fold(p).split()) for p in words.NUMBER_PREFIXES), key=len, reverse=True)
_YES = words.folded(words.YES)
_NO = words.folded(words.NO)
_NEGATIONS = words.folded(words.NEGATIONS)
_LITTLE_BY_LANGUAGE = {code: words.folded(little)
                       for code, little in words.LITTLE_WORDS_BY_LANGUAGE.items()}
_STOP = words.folded(words.STOP_WORDS)
_LAST = words.folded(words.LAST)
_ONE = words.folded(words.ONE)
_SINGLE_PREFIXES = frozenset(prefix[0] for prefix in _PREFIXES if len(prefix) == 1)
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|ed|af|ydd|il|fed|ain|º|ª|o|a|e|er|ere|lea|ul|a)$")
_NOT_CONTENT = _STOP | _YES | _NO | words.command_words()
_EMOJI_NOISE = re.compile("[\ufe0f\ufe0e\u200d\U0001f3fb-\U0001f3ff]")
_TEN = "\U0001f51f"  # the keycap ten emoji
_NEGATIVE = re.compile(r"[-\u2212]\s*\d")  # "-1", "3-1-2": not one number
_RANK_SPLIT = re.compile(r"\s*(?:[,;/>\n]|\bthen\b|\band\b)\s*", re.IGNORECASE)


def _number_token(token: str) -> int | None:
    """A single digit string (any script: 2, ٢) or number word; None otherwise."""
    if token.isdecimal() and len(token) <= 6:
        return int(token)
    return _NUMBER_WORDS.get(token)


def _strip_prefixes(tokens: list[str]) -> list[str]:
    """Drop leading "option", "no.", "rhif", "رقم" ... while something is left after them."""
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if len(tokens) > len(prefix) and tuple(tokens[:len(prefix)]) == prefix:
                tokens, changed = tokens[len(prefix):], True
                break
    return tokens


def parse_number(text: str) -> int | None:
    """A reply that is just a number: "2", " 2. ", "two", "dau", "٢", "#2", "option 2", "2️⃣"."""
    raw = _EMOJI_NOISE.sub("", text).strip()
    if raw == _TEN:
        return 10
    if _NEGATIVE.match(raw):
        return None  # "-1" is not 1
    tokens = _strip_prefixes(fold(raw).split())
    if not tokens:
        return None
    phrase = " ".join(tokens)
    if phrase in _NUMBER_WORDS:
        return _NUMBER_WORDS[phrase]
    return _number_token(tokens[0]) if len(tokens) == 1 else None


def lone_number(text: str) -> int | None:
    """The only number in a short sentence ("I'd say 4", "2 please"); None if 0 or 2+."""
    tokens = fold(text).split()
    if not tokens or len(tokens) > MAX_LOOSE_WORDS or _NEGATIVE.search(text):
        return None
    found = [n for n in (_number_token(t) for t in tokens if t.isdecimal()) if n is not None]
    return found[0] if len(found) == 1 else None


_RUNS = re.compile(r"(\w)\1+")


def _squeeze(key: str) -> str:
    return _RUNS.sub(r"\1", key)


def _yes_no_phrases() -> dict[tuple[str, ...], bool]:
    found: dict[tuple[str, ...], set[bool]] = {}
    for keys, meaning in ((_YES, True), (_NO, False)):
        for key in keys:
            for form in (key, _squeeze(key)):
                found.setdefault(tuple(form.split()), set()).add(meaning)
    return {phrase: meanings.pop() for phrase, meanings in found.items() if len(meanings) == 1}


_YES_NO_PHRASES = _yes_no_phrases()
_LONGEST_YES_NO = max((len(phrase) for phrase in _YES_NO_PHRASES), default=1)


def _yes_no_words(tokens: list[str]) -> bool | None:
    """A reply made only of yes words (or only of no words) and little words: "ok sure",
    "yes that's fine", "nah no thanks"; None when anything else is said, or both."""
    meanings, i = set(), 0
    while i < len(tokens):
        for size in range(min(_LONGEST_YES_NO, len(tokens) - i), 0, -1):
            meaning = _YES_NO_PHRASES.get(tuple(tokens[i:i + size]))
            if meaning is not None:
                meanings.add(meaning)
                i += size
                break
        else:
            if tokens[i] not in _STOP:
                return None
            i += 1
    return meanings.pop() if len(meanings) == 1 else None


def leading_yes_no(text: str) -> bool | None:
    """The yes or no a longer reply starts with ("no, I still take the bus", "yes a little",
    "nie, dalej autobus"); None when it starts with neither. Only for a yes/no question
    that is not consent: agreeing to take part must be said plainly."""
    tokens = fold(text).split()
    start = 0
    while start < len(tokens) and tokens[start] in _STOP:
        start += 1
    for size in range(min(_LONGEST_YES_NO, len(tokens) - start), 0, -1):
        meaning = _YES_NO_PHRASES.get(tuple(tokens[start:start + size]))
        if meaning is not None:
            return meaning
    # A "no" that is a little word too (Portuguese "no" is "in the"): "no, still the bus";
    # never when the little words say both ("ok no").
    said = {_YES_NO_PHRASES.get((token,)) for token in tokens[:start]} - {None}
    return said.pop() if len(said) == 1 else None


def is_yes_no_word(text: str) -> bool:
    """The whole message is listed as a yes or a no word ("rehne do", "deixa pra la", "থাক":
    let it be), even if it is listed as a command too."""
    key = fold(text)
    return key in _YES or key in _NO


def parse_yes_no(text: str) -> bool | None:
    """Yes or no in any supported language, or as an emoji, also with little words around it
    and letters held down ("yesss", "ok sure", "no thank you"); None if neither."""
    raw = _EMOJI_NOISE.sub("", text).strip()
    if raw and all(ch in "".join(words.YES_EMOJI) for ch in raw):
        return True
    if raw and all(ch in "".join(words.NO_EMOJI) for ch in raw):
        return False
    key = fold(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    tokens = key.split()
    if not tokens or len(tokens) > MAX_LOOSE_WORDS:
        return None
    decision = _yes_no_words(tokens)
    if decision is None:
        decision = _yes_no_words(_squeeze(key).split())
    return decision


_SYNONYM_GROUPS: dict[str, list[tuple[tuple[str, ...], ...]]] = {
    code: [tuple(tuple(fold(word).split()) for word in group if fold(word)) for group in groups]
    for code, groups in words.SYNONYMS.items()}


MAX_VARIANTS = 24


def _variants(label: str, code: str) -> list[str]:
    """The label with words in it swapped for ones that name the same thing in `code`
    (synonyms in language.yml): "autocarro" -> "onibus", "a pe" -> "caminhando", "صعب جدا"
    -> "صعبة كتير" (two swaps at most)."""
    found = _swaps(label, code)
    for variant in list(found):
        found.extend(more for more in _swaps(variant, code) if more not in found and more != label)
    return found[:MAX_VARIANTS]


def _swaps(label: str, code: str) -> list[str]:
    tokens = label.split()
    found: list[str] = []
    for group in _SYNONYM_GROUPS.get(code, ()):
        for phrase in group:
            size = len(phrase)
            for start in range(len(tokens) - size + 1):
                if tuple(tokens[start:start + size]) != phrase:
                    continue
                for other in group:
                    if other != phrase:
                        variant = " ".join((*tokens[:start], *other, *tokens[start + size:]))
                        if variant not in found and variant != label:
                            found.append(variant)
    return found


def _rows(labels: Sequence[dict[str, str]], languages: Sequence[str]) -> list[list[list[str]]]:
    """Per language (the resident's first), rows of folded label texts: the labels as
    written, then rows of their synonym variants ("" where a label has none left)."""
    grouped = []
    for lang in languages:
        texts = [fold(label.get(lang, "")) for label in labels]
        variants = [_variants(text, lang) for text in texts]
        extra = [[found[k] if k < len(found) else "" for found in variants]
                 for k in range(max((len(found) for found in variants), default=0))]
        grouped.append([texts, *extra])
    return grouped


def _labels(labels: Sequence[dict[str, str]], languages: Sequence[str]) -> list[list[str]]:
    """Folded label texts (and their synonym variants) per language, the resident's first."""
    return [row for rows in _rows(labels, languages) for row in rows]


def match_label(text: str, labels: Sequence[dict[str, str]], languages: Sequence[str]) -> int | None:
    """The index of the label the whole reply spells (current language first)."""
    key = fold(text)
    if not key:
        return None
    for per_language in (rows[0] for rows in _rows(labels, languages)):  # as written
        hits = {number for number, label in enumerate(per_language) if label == key}
        if len(hits) == 1:
            return hits.pop()
    return None


def _contains(tokens: list[str], phrase: str) -> bool:
    """The phrase's words, in order, among the reply's (a word in Latin letters may be the
    label's word in another script: "bohat mushkil" for "بہت مشکل")."""
    target = phrase.split()
    return bool(target) and any(
        all(said == word or _latin_spelling(said, word)
            for said, word in zip(tokens[i:i + len(target)], target, strict=True))
        for i in range(len(tokens) - len(target) + 1))


# Latin spellings of one sound, and the letters romanised words add or leave out at will
# (vowels, w, y, v), so "paidal", "pedal" and "paidl" are all "pdl", as "پیدل" is.
_LATIN_SOUNDS = (("ch", "C"), ("sh", "s"), ("zh", "z"), ("kh", "k"), ("gh", "g"), ("ph", "p"),
                 ("th", "t"), ("dh", "d"), ("bh", "b"), ("jh", "j"), ("rh", "r"), ("x", "ks"),
                 ("c", "k"), ("q", "k"), ("f", "p"), ("C", "c"))
_LATIN_SILENT = re.compile("[aeiouywv']")
_LETTER_KEYS = sorted(words.LATIN_LETTERS, key=len, reverse=True)
MIN_LATIN_SPELLING = 3  # "bas" for "بس"; never "do" or "se"
MAX_SPELLINGS = 16


def _sounds(latin: str) -> str:
    for sound, letter in _LATIN_SOUNDS:
        latin = latin.replace(sound, letter)
    return latin


def _consonants(latin: str) -> str:
    """Typed letters as their consonants: "bohat" -> "bht", "khub" -> "kb"."""
    return _RUNS.sub(r"\1", _LATIN_SILENT.sub("", _sounds(latin)))


def _spellings(word: str) -> frozenset[str]:
    """The consonants of a word in another script, as Latin letters (language.yml
    latin_letters); none when it has a letter no language spells."""
    found = [""]
    i = 0
    while i < len(word):
        key = next((k for k in _LETTER_KEYS if word.startswith(k, i)), None)
        if key is None:
            if not unicodedata.combining(word[i]) and unicodedata.category(word[i])[0] != "M":
                return frozenset()
            i += 1  # a vowel sign, nukta, virama...: written as nothing
            continue
        found = [start + _sounds(choice) for start in found
                 for choice in words.LATIN_LETTERS[key].split("|")][:MAX_SPELLINGS]
        i += len(key)  # each letter's sound on its own: "ب" then "ہ" is "b-h", never "bh"
    return frozenset(_RUNS.sub(r"\1", _LATIN_SILENT.sub("", spelling)) for spelling in found)


_SPELLINGS: dict[str, frozenset[str]] = {}


def _latin_spelling(said: str, word: str) -> bool:
    """A word typed in Latin letters for a word in another script: "paidal" / "پیدل",
    "gaari" / "گاڑی", "hete" / "হেঁটে", "avtobus" / "автобус". Compared by their consonants."""
    if not said.isascii() or word.isascii() or len(said) < MIN_LATIN_SPELLING or \
            not said.isalpha() or not _LETTER_KEYS:
        return False
    if word not in _SPELLINGS:
        _SPELLINGS[word] = _spellings(word)
    typed = _consonants(said)
    return len(typed) >= 2 and typed in _SPELLINGS[word]


def _content(token: str) -> bool:
    """A word that can name an option by itself: not "the", "yn", "i", "yes", "stop", "2"."""
    return len(token) > 1 and not token.isdecimal() and token not in _NOT_CONTENT


MAX_ENDING = 3  # "buses" for "bus", "walking" for "walk", "autobusem" for "autobus"


MIN_STEM = 4  # "машиною" for "машина", "samochodem" for "samochód": a shared start this long
# Arabic words written with "the", "by the", "and the"... in front: "بالباص" for "باص".
_ARABIC_CLITICS = ("وبال", "فبال", "بال", "وال", "فال", "كال", "لل", "ال", "ب", "و", "ف", "ل")
_ARABIC = re.compile("[\u0600-\u06ff]")
# Welsh initial mutations, back to the word's own first letters: "fws" (bws), "nghar" (car),
# "dacsi" (tacsi), "gherdded"... Only ever compared with an option's words.
_WELSH_MUTATIONS = (("ngh", "c"), ("mh", "p"), ("nh", "t"), ("ng", "g"), ("ph", "p"), ("th", "t"),
                    ("ch", "c"), ("dd", "d"), ("b", "p"), ("d", "t"), ("g", "c"), ("f", "b"),
                    ("f", "m"), ("m", "b"), ("n", "d"), ("l", "ll"), ("r", "rh"))


def _forms(said: str) -> set[str]:
    """The word as typed and the forms it may stand for: without Arabic clitics in front, or
    with a Welsh mutation undone."""
    found = {said}
    if _ARABIC.match(said):
        found.update(said[len(clitic):] for clitic in _ARABIC_CLITICS
                     if said.startswith(clitic) and len(said) - len(clitic) >= 2)
    elif said.isascii():
        found.update(base + said[len(mutated):] for mutated, base in _WELSH_MUTATIONS
                     if said.startswith(mutated) and len(said) - len(mutated) >= 2)
        found.add("g" + said)  # soft mutation drops a g: "waith" for "gwaith"
    return found


def _stem_match(said: str, word: str) -> bool:
    """The same word with another short ending: "машиною" / "машина", "pieszo" / "piesza"."""
    common = 0
    for a, b in zip(said, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= MIN_STEM and len(word) - common <= 2 and len(said) - common <= MAX_ENDING


def _same_word(said: str, word: str, prefix: bool | str) -> bool:
    """The same word, or (prefix) its start ("comm"), or (prefix "ending") the word with an
    ending added ("buses", "walking", "autobusem"), another ending ("машиною" for "машина"),
    an Arabic "the" or "by" in front ("بالباص") or a Welsh mutation ("fws", "nghar")."""
    if said == word:
        return True
    if not _content(said):
        return False
    if _latin_spelling(said, word):
        return True
    if not prefix:
        # Arabic "the", "by the"... in front is the same word: "سيارة" is "السيارة".
        return bool(_ARABIC.match(said) and _ARABIC.match(word) and _forms(said) & _forms(word))
    if prefix == "ending":
        forms = _forms(said)
        bases = _forms(word) if _ARABIC.match(word) else {word}
        if forms & bases:
            return True
        return any((len(base) >= 3 and form.startswith(base) and
                    len(form) - len(base) <= MAX_ENDING) or _stem_match(form, base)
                   for form in forms for base in bases)
    return len(said) >= MIN_PREFIX and word.startswith(said)


def _within(said: list[str], label: list[str], prefix: bool | str) -> bool:
    """The reply's words run, in order, inside the label's; with prefix, a word may be the
    start of the label's word ("comm" for "community", "hosp park" for "hospital parking")."""
    size = len(said)
    return any(all(_same_word(a, b, prefix)
                   for a, b in zip(said, label[start:start + size], strict=True))
               for start in range(len(label) - size + 1))


def partial_hits(text: str, labels: Sequence[dict[str, str]], languages: Sequence[str]) -> set[int]:
    """The labels a reply is part of: "parking" of "Hospital parking", "Parcio" of "Parcio yn
    yr ysbyty", "comm" of "Community transport". Whole words before prefixes (of at least
    MIN_PREFIX letters), the resident's language before the others; the first kind that
    matches anything decides, so more than one index means the reply is ambiguous."""
    tokens = fold(text).split()
    while tokens and tokens[0] in _STOP:
        tokens.pop(0)
    while tokens and tokens[-1] in _STOP:
        tokens.pop()
    if not any(_content(token) for token in tokens):
        return set()
    rows = _rows(labels, languages)
    first = [[label.split() for label in row] for row in rows[0]] if rows else []
    others = [[label.split() for label in row] for lang_rows in rows[1:] for row in lang_rows]
    for prefix in (False, True, "ending"):
        for group in (first, others):
            found = [(n, label) for per_language in group for n, label in enumerate(per_language)
                     if _within(tokens, label, prefix)]
            # "سيارة" is all of "السيارة" (car) but only part of "سيارة أجرة" (taxi): car.
            whole = {n for n, label in found if len(label) == len(tokens)}
            hits = whole or {n for n, _ in found}
            if hits:
                return hits
    return set()


def inflected_hits(text: str, labels: Sequence[dict[str, str]],
                   languages: Sequence[str]) -> set[int]:
    """The labels whose words are inside the reply with other endings: "jeżdżę autobusem"
    (Autobus), "merg cu autobuzul" (Autobuz), "بالسيارة عادة" (السيارة). The resident's
    language first; more than one index means the reply is ambiguous."""
    tokens = fold(text).split()
    rows = _rows(labels, languages)
    first = [[label.split() for label in row] for row in rows[0]] if rows else []
    others = [[label.split() for label in row] for lang_rows in rows[1:] for row in lang_rows]
    for group in (first, others):
        hits = {n for per_language in group for n, label in enumerate(per_language)
                if label and any(_content(word) for word in label) and
                any(all(_same_word(said, word, "ending")
                        for said, word in zip(tokens[start:start + len(label)], label, strict=True))
                    for start in range(len(tokens) - len(label) + 1))}
        if hits:
            return hits
    return set()


def _negated(tokens: list[str], language: str) -> bool:
    """A negation among the words ("not the bus", "nie autobusem"), unless it is one of the
    resident's language's little words: Portuguese "no carro" is "in the car"."""
    little = _LITTLE_BY_LANGUAGE.get(language, frozenset())
    target = [negation.split() for negation in _NEGATIONS
              if " " in negation or negation not in little]
    return any(tokens[i:i + len(words_)] == words_
               for words_ in target for i in range(len(tokens) - len(words_) + 1))


def guess_label(text: str, labels: Sequence[dict[str, str]], languages: Sequence[str],
                partial: bool = False) -> int | None:
    """A label named inside a short reply, (with partial) a reply that is part of exactly one
    label, or a close misspelling; None when in any doubt."""
    key = fold(text)
    tokens = key.split()
    if not key or len(key) > MAX_FUZZY_CHARACTERS or len(tokens) > MAX_LOOSE_WORDS:
        return None
    folded_labels = _labels(labels, languages)
    if not _negated(tokens, languages[0] if languages else ""):
        hits = {n for per_language in folded_labels for n, label in enumerate(per_language)
                if _contains(tokens, label)}
        if len(hits) == 1:
            return hits.pop()
        if partial:
            hits = partial_hits(text, labels, languages) or \
                inflected_hits(text, labels, languages)
            if hits:
                return hits.pop() if len(hits) == 1 else None  # several: ask again, never guess
    if len(key) < 3:
        return None
    folded_labels = [rows[0] for rows in _rows(labels, languages)]  # misspelt: as written
    swapped = {n for per_language in folded_labels for n, label in enumerate(per_language)
               if _swapped(key, label)}
    if len(swapped) == 1:
        return swapped.pop()
    best: dict[int, float] = {}
    for per_language in folded_labels:
        for number, label in enumerate(per_language):
            if label:
                ratio = difflib.SequenceMatcher(None, key, label).ratio()
                best[number] = max(best.get(number, 0.0), ratio)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < FUZZY_RATIO:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None
    return ranked[0][0]


def parse_position(text: str, count: int) -> int | None:
    """An option named by its place: "the first one", "number two", "the second option",
    "last one", "4th", "yr un olaf", "ostatni", "kan koowaad"; None when anything else is
    said, or a negation ("not the first"). Little words, "option" and "one" around the
    ordinal are dropped, in every language's words (language.yml)."""
    tokens = fold(text).split()
    if not tokens or len(tokens) > MAX_LOOSE_WORDS or \
            any(token in _NEGATIONS for token in tokens):
        return None
    whole = " ".join(tokens)
    if whole in _LAST:
        return count
    if whole in _NUMBER_WORDS:
        return _NUMBER_WORDS[whole]
    droppable = _STOP | _SINGLE_PREFIXES | _ONE
    while len(tokens) > 1 and tokens[0] in droppable:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1] in droppable:
        tokens.pop()
    tokens = _strip_prefixes(tokens)
    phrase = " ".join(tokens)
    if phrase in _LAST:
        return count
    if phrase in _NUMBER_WORDS:
        return _NUMBER_WORDS[phrase]
    digits = _ORDINAL_DIGITS.match(phrase)
    if digits:
        return int(digits.group(1))
    return None  # a bare number in words around it ("2 please") is read loosely, later


def _swapped(said: str, label: str) -> bool:
    """One pair of neighbouring letters typed the wrong way round: "bsu", "wlak"."""
    if len(said) != len(label) or len(said) < 3 or said == label:
        return False
    diff = [i for i, (a, b) in enumerate(zip(said, label, strict=True)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and \
        said[diff[0]] == label[diff[1]] and said[diff[1]] == label[diff[0]]


def _texts(options: Sequence[Option]) -> list[dict[str, str]]:
    return [option.text for option in options]


def parse_choice(text: str, options: Sequence[Option], languages: Sequence[str],
                 loose: bool = False) -> str | None:
    """The option id a reply picks: its number, or its words in any campaign language."""
    number = parse_number(text)
    if number is not None:
        return options[number - 1].id if 1 <= number <= len(options) else None
    index = match_label(text, _texts(options), languages)
    if index is None:
        number = parse_position(text, len(options))
        if number is not None:
            return options[number - 1].id if 1 <= number <= len(options) else None
    if index is None and loose:
        number = lone_number(text)
        if number is not None:
            return options[number - 1].id if 1 <= number <= len(options) else None
        index = guess_label(text, _texts(options), languages, partial=True)
    return None if index is None else options[index].id


def parse_scale(text: str, step: Step, languages: Sequence[str], loose: bool = False) -> int | None:
    """A point on the scale: a number in range, or one of the scale's labels."""
    low, high = step.min if step.min is not None else 1, step.max if step.max is not None else 5
    number = parse_number(text)
    if number is not None:
        return number if low <= number <= high else None
    points = sorted(step.labels)
    labels = [step.labels[point] for point in points]
    index = match_label(text, labels, languages)
    if index is None and loose:
        number = lone_number(text)
        if number is not None:
            return number if low <= number <= high else None
        index = guess_label(text, labels, languages, partial=True)  # "hard" of "Very hard"
    return None if index is None else points[index]


def parse_rank(text: str, options: Sequence[Option], languages: Sequence[str]) -> list[str] | None:
    """Option ids in the order given: "312", "3 1 2", "3,1,2", "3-1-2", "bus, walk".

    A partial order (at least one) is fine; repeats and numbers out of range are not.
    """
    raw = _EMOJI_NOISE.sub("", text).replace("\u20e3", "")
    tokens = fold(raw).split()
    if not tokens or len(tokens) > len(options) * 2:
        return None
    numbers: list[int] | None = None
    if all(token.isdecimal() for token in tokens):
        numbers = [int(ch) for ch in "".join(tokens)]
    elif all(token in _NUMBER_WORDS for token in tokens):
        numbers = [_NUMBER_WORDS[token] for token in tokens]
    if numbers is None:
        return _rank_by_words(text, options, languages)
    if len(set(numbers)) != len(numbers) or not all(1 <= n <= len(options) for n in numbers):
        return None
    return [options[n - 1].id for n in numbers]


def _rank_by_words(text: str, options: Sequence[Option], languages: Sequence[str]) -> list[str] | None:
    """"Bus, walk, car": each part must name exactly one option."""
    parts = [part for part in _RANK_SPLIT.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    order = [match_label(part, _texts(options), languages) for part in parts]
    if any(index is None for index in order) or len(set(order)) != len(order):
        return None
    return [options[index].id for index in order if index is not None]


def parse_free_text(text: str) -> str | None:
    """Any words at all (emoji or punctuation alone are not an answer), cut to 1000 characters."""
    cleaned = clean_reply(text)
    if not any(ch.isalnum() for ch in cleaned):
        return None
    return cleaned[:MAX_TEXT]
