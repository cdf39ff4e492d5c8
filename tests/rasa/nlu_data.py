"""Helpers shared by the Rasa tests: read the training and held-out NLU files.

Kept free of Rasa imports so the data checks run fast. Training files are one language each
(data/nlu_<lang>.yml; nlu_common.yml is language-neutral); the held-out file tags each block
with metadata.language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
HELDOUT = ROOT / "tests" / "rasa" / "nlu_heldout.yml"
TEST_STORIES = ROOT / "tests" / "rasa" / "test_stories.yml"

INTENTS = (
    "affirm", "deny", "stop", "help", "skip", "repeat", "more", "erase",
    "change_language", "greet", "start", "inform",
)
# Triggered by the worker through Rasa's API, never by a resident (data/external.yml).
EXTERNAL_INTENTS = ("EXTERNAL_invite", "EXTERNAL_remind", "EXTERNAL_follow_up")
LANGUAGES = ("en", "cy", "pl", "ar", "ro")
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
    """data/nlu_en.yml -> en; data/nlu_common.yml -> xx (language-neutral)."""
    code = path.stem.removeprefix("nlu_")
    return code if code in LANGUAGES else NEUTRAL


def load_training() -> list[Example]:
    examples = []
    for path in sorted(DATA.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("nlu", []) or []:
            if "intent" not in item:
                continue
            for text in _examples_block(item.get("examples", "")):
                examples.append(Example(text, item["intent"], training_language(path), path.name))
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
    """What the featurizers see, roughly: lower case, no accents, no punctuation or spaces."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+", " ", folded).split()
    return " ".join(words) or text.strip()
