"""A campaign in all twelve shipped languages, built from the five-language one: every text
a language lacks is the English one marked with its code (imported by engine tests)."""

from __future__ import annotations

from typing import Any

import yaml
from engine_helpers import FIVE_LANGUAGES

from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign

TWELVE = ("en", "cy", "pl", "ro", "ar", "ur", "pa", "bn", "pt", "es", "so", "uk")


def _fill(node: Any) -> Any:
    if isinstance(node, dict) and "en" in node and all(isinstance(v, str) for v in node.values()):
        return {code: node.get(code, f"[{code}] {node['en']}") for code in TWELVE}
    if isinstance(node, dict):
        return {key: _fill(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item) for item in node]
    return node


def twelve_language_campaign(languages: tuple[str, ...] = TWELVE) -> Campaign:
    data = _fill(yaml.safe_load(FIVE_LANGUAGES))
    data.update(id="twelve-languages", keywords=["TWELVE"], languages=list(languages))
    return load_campaign(yaml.safe_dump(data, allow_unicode=True))
