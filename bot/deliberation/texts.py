"""Texts staff write in each of a campaign's languages ("what happens next", the "you said,
we did" message), read from a small YAML file:

    en: We will run more buses on Sundays from March.
    cy: Byddwn ni'n rhedeg mwy o fysiau ar y Sul o fis Mawrth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from bot.language import endonym

MAX_FILE = 64 * 1024  # bytes: a few short messages, never a large file


class TextsError(ValueError):
    """The file cannot be used; the message says why and what to do."""


def read_texts(path: str | Path) -> dict[str, str]:
    """language code -> text, as written in the file (checked by whoever uses them)."""
    path = Path(path)
    if not path.is_file():
        raise TextsError(f"no such file: {path}")
    if path.stat().st_size > MAX_FILE:
        raise TextsError(f"{path} is larger than {MAX_FILE // 1024} KB: it should hold a few "
                         "short texts, one per language.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise TextsError(f"{path} is not a YAML file I can read ({type(error).__name__}): "
                         "write one line per language, like  en: The words.") from None
    if not isinstance(data, dict) or not data:
        raise TextsError(f"{path} should hold one text per language code, like\n"
                         "  en: The words in English.\n  cy: Y geiriau yn Gymraeg.")
    found = {}
    for code, text in data.items():
        if not isinstance(text, str):
            raise TextsError(f"in {path}, '{code}' should be followed by text, not "
                             f"{type(text).__name__}.")
        found[str(code).strip().lower()] = text
    return found


def checked_texts(languages: Sequence[str], texts: Mapping[str, str] | None, limit: int,
                  what: str, tidy: Callable[[str], str],
                  error: type[ValueError] = TextsError) -> dict[str, str]:
    """Staff's texts tidied (`tidy`), empty ones left out; `error` (with a message naming
    `what`) for a language the campaign does not have, or a text over `limit` characters."""
    found: dict[str, str] = {}
    for code, text in (texts or {}).items():
        words = tidy(str(text or ""))
        if not words:
            continue
        if code not in languages:
            raise error(f"'{code}' is not one of the campaign's languages "
                        f"({', '.join(languages)}).")
        if len(words) > limit:
            raise error(f"{what} in {endonym(code)} is {len(words)} characters; keep it to "
                        f"{limit}.")
        found[code] = words
    return found
