"""Helpers shared by the Rasa tests: read the training and held-out NLU files.

Kept free of Rasa imports so the data checks run fast. Training files are one language each
(languages/<code>/nlu.yml, which bot/nlu_importer.py adds for Rasa; data/nlu_common.yml is
language-neutral); the held-out file tags each block with metadata.language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.language import SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
LANGUAGE_FOLDERS = ROOT / "languages"
HELDOUT = ROOT / "tests" / "rasa" / "nlu_heldout.yml"
TEST_STORIES = ROOT / "tests" / "rasa" / "test_stories.yml"

INTENTS = (
    "affirm", "deny", "stop", "help", "skip", "repeat", "more", "erase",
    "change_language", "greet", "start", "inform",
)
# Triggered by the worker through Rasa's API, never by a resident (data/external.yml).
EXTERNAL_INTENTS = ("EXTERNAL_invite", "EXTERNAL_remind", "EXTERNAL_follow_up")
LANGUAGES = SUPPORTED  # every shipped language
# The languages the NLU-only held-out file (tests/rasa/nlu_heldout.yml) was written for; every
# shipped language is measured in context by languages/heldout.yml (bot/language_eval.py).
NLU_HELDOUT_LANGUAGES = ("en", "cy", "pl", "ar", "ro")
NEUTRAL = "xx"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    source: str


def _examples_block(block: str) -> list[str]:
    found = []
    for line in block.splitlines():
        match = re.match(r"^\s*[-*+]\s+(.*)$", line)
        if match and match.group(1).strip():
            found.append(match.group(1).strip())
    return found


def training_language(path: Path) -> str:
    """languages/en/nlu.yml -> en; data/nlu_common.yml -> xx (language-neutral)."""
    code = path.parent.name if path.parent.parent == LANGUAGE_FOLDERS else ""
    return code if code in LANGUAGES else NEUTRAL


def training_files() -> list[Path]:
    return [*sorted(DATA.glob("*.yml")), *sorted(LANGUAGE_FOLDERS.glob("*/nlu.yml"))]


def load_training() -> list[Example]:
    examples = []
    for path in training_files():
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("nlu", []) or []:
            if "intent" not in item:
                continue
            for text in _examples_block(item.get("examples", "")):
                examples.append(Example(text, item["intent"], training_language(path),
                                        str(path.relative_to(ROOT))))
    return examples


def load_heldout() -> list[Example]:
    content = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    examples = []
    for item in content["nlu"]:
        language = (item.get("metadata") or {}).get("language")
        for text in _examples_block(item["examples"]):
            examples.append(Example(text, item["intent"], language, HELDOUT.name))
    return examples


def normalise(text: str) -> str:
    """What the featurizers see, roughly: lower case, no accents, no punctuation or spaces.
    Vowel signs (Bengali, Gurmukhi...) are letters to the tokenizer, not accents."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    kept = "".join(ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " "
                   for ch in folded)
    return " ".join(kept.split()) or text.strip()
