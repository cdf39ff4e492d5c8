"""Texts staff write in each of a campaign's languages ("what happens next", the "you said,
we did" message), read from a small YAML file:

    en: We will run more buses on Sundays from March.
    cy: Byddwn ni'n rhedeg mwy o fysiau ar y Sul o fis Mawrth.
"""

from __future__ import annotations

from pathlib import Path

import yaml

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
