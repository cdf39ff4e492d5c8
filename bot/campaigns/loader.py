"""Read a campaign file into a `Campaign`, or say exactly what is wrong with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.campaigns.keywords import keyword_clashes
from bot.campaigns.model import Campaign
from bot.campaigns.population import normalised
from bot.campaigns.problems import CampaignInvalid, Problem
from bot.campaigns.validate import DEFAULT_SCALE, Validator
from bot.campaigns.yamlnodes import Parsed, YamlRefused, YamlSyntaxError, parse_yaml

__all__ = ["Analysis", "CampaignInvalid", "analyse", "load_campaign"]

# The example campaigns are 8 to 14 KB; a file a hundred times bigger is not a campaign.
MAX_FILE_BYTES = 1_000_000


class FileTooLarge(ValueError):
    """More than MAX_FILE_BYTES: refused before it is parsed (or, for a file, read)."""


@dataclass
class Analysis:
    """What reading a campaign found: the campaign (when it has no errors) and the problems."""

    campaign: Campaign | None
    problems: list[Problem] = field(default_factory=list)
    parsed: Parsed | None = None
    file: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def _read_file(path: Path) -> str:
    """The file's text, reading no more than the limit (a device or a huge file is refused
    without filling memory)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge
    return data.decode("utf-8")


def _file_name(source: str | Path) -> str | None:
    """A Path or a one-line *.yml/*.yaml string names a file; anything else is YAML text."""
    if isinstance(source, Path):
        return str(source)
    if "\n" not in source and source.strip().endswith((".yml", ".yaml")):
        return source
    return None


def _read(source: str | Path, is_text: bool = False) -> tuple[str, str]:
    """(file name, text); the name is "" for YAML text."""
    name = None if is_text else _file_name(source)
    if name is not None:
        return name, _read_file(Path(name))
    if len(source) > MAX_FILE_BYTES or len(source.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise FileTooLarge
    return "", source


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill the defaults the format promises (a scale without min/max runs 1 to 5), and write
    the population's shares as numbers, so the stored definition is the same however the
    file spelt them."""
    steps = []
    for step in data["steps"]:
        if step.get("type") == "scale":
            step = {"min": str(DEFAULT_SCALE[0]), "max": str(DEFAULT_SCALE[1]), **step}
        steps.append(step)
    result = {**data, "steps": steps}
    if data.get("population"):
        types = {str(step.get("id")): str(step.get("type")) for step in steps}
        result["population"] = normalised(data["population"], types)
    if isinstance(data.get("timezone"), str):
        result["timezone"] = data["timezone"].strip()
    if isinstance(data.get("quiet_hours"), dict):
        result["quiet_hours"] = {k: str(v).strip() for k, v in data["quiet_hours"].items()}
    return result


def analyse(source: str | Path, published: Iterable[Campaign] = (), *,
            is_text: bool = False) -> Analysis:
    """Parse and validate; never raises for anything wrong with the file itself. `published`:
    the live campaigns, when known, so an option word that is one of their keywords is found.
    `is_text`: `source` is YAML text whatever it looks like (an upload that reads like a file
    name is never opened as one)."""
    name = "" if is_text else (_file_name(source) or "")
    try:
        file, text = _read(source, is_text)
    except FileTooLarge:
        message = (f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB, which no campaign "
                   "needs (the examples are under 15 KB); is this the right file?")
        return Analysis(None, [Problem("error", None, "", message, "", name)], None, name)
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else (
            error.strerror or str(error))
        return Analysis(None, [Problem("error", None, "", f"cannot read the file: {reason}",
                                       "", name)], None, name)
    try:
        parsed = parse_yaml(text)
    except YamlRefused as error:
        return Analysis(None, [Problem("error", error.line, "", str(error), "", file)], None, file)
    except YamlSyntaxError as error:
        message = (f"this is not valid YAML ({error}); check the indentation and that each "
                   "field is written as 'name: value'")
        return Analysis(None, [Problem("error", error.line, "", message, "", file)], None, file)
    problems = Validator(parsed, file).run()
    if any(p.level == "error" for p in problems):
        return Analysis(None, problems, parsed, file)
    campaign = Campaign.from_dict(_with_defaults(parsed.data))
    clashes = keyword_clashes(campaign, published, parsed, file)
    if clashes:
        return Analysis(None, problems + clashes, parsed, file)
    return Analysis(campaign, problems, parsed, file)


def load_campaign(path_or_text: str | Path, published: Iterable[Campaign] = ()) -> Campaign:
    """The campaign in a file (or YAML text); raises CampaignInvalid listing every error."""
    analysis = analyse(path_or_text, published)
    if analysis.campaign is None:
        raise CampaignInvalid(analysis.errors)
    return analysis.campaign
