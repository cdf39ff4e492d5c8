"""The target population a campaign declares, and how "about you" answers are read against it.

A campaign may say, for each characteristic (age, ethnic group, postcode district, ...), which
step asks it and what share of the population each group is, so `engage campaign reach` can show
whom the team is not yet hearing from:

    population:
      source: "ONS Census 2021, Cardiff"
      age: {step: about_age, shares: {"16-24": 0.14, "25-34": 0.17, ...}}
      postcode: {step: about_postcode, shares: {CF10: 0.08, CF11: 0.07, ..., other: 0.2}}

A choice step's groups are its option ids; `prefer_not_to_say` is always offered and never a
group. A text step is read as a UK postcode and grouped by district (the part before the space).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SOURCE = "source"  # the one key of `population:` that is not a characteristic
PREFER_NOT = "prefer_not_to_say"  # the option every about-you choice step must offer
OTHER_DISTRICT = "other"  # a postcode share for every district not listed
SHARE_TOLERANCE = 0.02  # shares may add up to 1 give or take this much

_OUTWARD = r"[A-Z]{1,2}\d[A-Z\d]?"
DISTRICT = re.compile(rf"^{_OUTWARD}$")
_FULL = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})\s*\d[A-Z]{{2}}(?![A-Z0-9])")
_PARTIAL = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})(?:\s+\d)?(?![A-Z0-9])")


def postcode_district(text: str | None) -> str | None:
    """The district ("CF10") of a full or partial UK postcode in what a resident wrote
    ("cf10 1ab", "CF101AB", "CF10", "CF10 1", "I live in CF10 3AT"); None when there is none.
    A full postcode wins over a bare district, so "CF1 1AB" is CF1, not CF11."""
    if not text:
        return None
    upper = text.upper()
    for pattern in (_FULL, _PARTIAL):
        found = pattern.search(upper)
        if found:
            return found.group(1)
    return None


def is_district(key: str) -> bool:
    return bool(DISTRICT.match(key.strip().upper()))


@dataclass(frozen=True)
class Characteristic:
    """One characteristic: the step that asks it and each group's share of the population."""

    name: str
    step: str
    shares: dict[str, float]

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Population:
    source: str | None
    characteristics: tuple[Characteristic, ...]


def population_from_dict(data: dict[str, Any]) -> Population:
    """The population block of a checked (and normalised) campaign."""
    characteristics = tuple(
        Characteristic(name=str(name), step=str(block["step"]),
                       shares={str(k): float(v) for k, v in dict(block["shares"]).items()})
        for name, block in data.items() if name != SOURCE and isinstance(block, dict))
    source = data.get(SOURCE)
    return Population(source=None if source is None else str(source),
                      characteristics=characteristics)


def normalised(data: dict[str, Any], step_types: dict[str, str]) -> dict[str, Any]:
    """The block as stored: shares as numbers, postcode districts in capitals. Only called on
    a block the validator has passed."""
    result: dict[str, Any] = {}
    for name, block in data.items():
        if name == SOURCE:
            result[name] = str(block)
            continue
        postcode = step_types.get(str(block["step"])) == "text"
        shares = {}
        for key, value in block["shares"].items():
            key = str(key).strip()
            if postcode and key.lower() != OTHER_DISTRICT:
                key = key.upper()
            elif postcode:
                key = OTHER_DISTRICT
            shares[key] = parse_share(value)
        result[name] = {"step": str(block["step"]), "shares": shares}
    return result


def parse_share(value: Any) -> float:
    """A share written in the file ("0.14"), as a number; ValueError if it is not one."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(value)
    return float(text)
