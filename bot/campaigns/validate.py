"""Errors in a parsed campaign file: everything that would stop it working for residents.

Each message says what is wrong and what to do, in plain words, and points at a line.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from functools import lru_cache
from typing import Any, Literal

from bot.campaigns.model import STEP_TYPES, WHATSAPP_MAX_OPTIONS, WHATSAPP_TYPES
from bot.campaigns.population import (
    OTHER_DISTRICT,
    PREFER_NOT,
    SHARE_TOLERANCE,
    SOURCE,
    is_district,
    parse_share,
)
from bot.campaigns.problems import Problem
from bot.campaigns.yamlnodes import Parsed, join
from bot.engine.vocabulary import OPT_OUT, command_words, folded
from bot.language import LANGUAGES, SUPPORTED, endonym
from bot.text import fold

CAMPAIGN_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
KEYWORD = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{2,20}$")
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")

TOP_FIELDS = ("id", "title", "organisation", "languages", "keywords", "retention_days",
              "consent", "thanks", "steps")
OPTIONAL_TOP_FIELDS = ("timezone", "quiet_hours", "reminder", "invitation", "population",
                       "follow_up", "sms_plain")
MAX_REFLECT_QUOTES = 2  # others' reasons a reflect step may show: one or two, within two SMS
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TOP_HINTS = {
    "id": "a short name like buses-2026",
    "title": "the campaign's name, in every language",
    "organisation": "who is asking, in every language",
    "languages": "a list like [en, cy]",
    "keywords": "a list like [BUSES]",
    "retention_days": "how many days answers are kept",
    "consent": "the consent version and text",
    "thanks": "the last message, in every language",
    "steps": "the list of questions",
}
COMMON_STEP_FIELDS = ("id", "type", "text", "when", "whatsapp", "label")  # whatsapp: choice only
MAX_LABEL = 60  # a step's label is a short title for staff (report headings, status)
WHATSAPP_FIELDS = ("type", "content_sid")
TYPE_FIELDS = {
    "info": ("more",), "choice": ("options", "why"), "scale": ("min", "max", "labels"),
    "rank": ("options",), "text": (), "reflect": ("of", "quotes"), "revisit": ("of",),
}
REQUIRED_TYPE_FIELDS = {"choice": ("options",), "rank": ("options",), "reflect": ("of",),
                        "revisit": ("of",)}
CONDITION_FIELDS = ("step", "in", "at_least", "at_most")
SCALE_LOWEST, SCALE_HIGHEST = 0, 10
DEFAULT_SCALE = (1, 5)
MAX_RANK_OPTIONS = 9
MAX_EASY_OPTIONS = 9
# Twilio sends no message body over 1,600 characters, so no text a resident gets can be longer.
MAX_TEXT_CHARS = 1_600
MAX_NAME_CHARS = 200  # the title and the organisation: names, shown in lists and reports
MAX_ID_CHARS = 64  # campaign ids and consent versions are stored in 64-character columns


def _quoted(items: Any) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


# What staff call a step in other tools -> the step type that does that job here. Spelling is
# no guide: "rating" looks like "rank", but a rating is a scale.
STEP_TYPE_MEANINGS = {
    "scale": ("rating", "rate", "likert", "slider", "score", "stars", "agree", "agreement",
              "opinion_scale", "nps", "range", "number"),
    "choice": ("multiple_choice", "multiple-choice", "multichoice", "options", "option",
               "select", "radio", "dropdown", "poll", "vote", "question", "single_choice",
               "yes_no", "yesno", "boolean", "mcq", "pick"),
    "rank": ("ranking", "order", "ordering", "priority", "priorities", "sort", "prioritise",
             "prioritize"),
    "text": ("open", "open_text", "free_text", "freetext", "comment", "comments", "textarea",
             "string", "answer", "open_question", "essay", "words"),
    "info": ("message", "intro", "introduction", "background", "statement", "note", "notice",
             "information", "explain", "explanation", "context"),
    "reflect": ("results", "summary", "others", "feedback", "show_results", "recap"),
    "revisit": ("repeat", "again", "ask_again", "reask", "followup", "follow_up", "return"),
}
_TYPE_BY_MEANING = {alias: kind for kind, aliases in STEP_TYPE_MEANINGS.items()
                    for alias in aliases}


def _suggest_type(word: str) -> str:
    """The step type a mistyped or borrowed name means ("rating" -> "scale")."""
    key = word.strip().lower().replace(" ", "_")
    if key in _TYPE_BY_MEANING:
        return f' (a "{word}" step is a "{_TYPE_BY_MEANING[key]}" step here)'
    known = tuple(_TYPE_BY_MEANING)
    close = difflib.get_close_matches(key, STEP_TYPES + known, n=1, cutoff=0.75)
    if close:
        meant = _TYPE_BY_MEANING.get(close[0], close[0])
        return f' (did you mean "{meant}"?)'
    return _suggest(key, STEP_TYPES)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def as_int(value: Any) -> int | None:
    """A whole number written in the file, or None."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    return None


class Validator:
    """Walks the parsed file once and collects every error (and a few warnings)."""

    def __init__(self, parsed: Parsed, file: str = "") -> None:
        self.parsed = parsed
        self.file = file
        self.problems: list[Problem] = []
        self.languages: list[str] = []
        self.step_ids: set[str] = set()
        self.earlier: dict[str, dict[str, Any]] = {}

    # -- reporting -------------------------------------------------------------------------
    def _add(self, level: Literal["error", "warning"], where: str, message: str,
             subject: str) -> None:
        line = self.parsed.line_of(where)
        self.problems.append(Problem(level, line, where, message, subject, self.file))

    def error(self, where: str, message: str, subject: str = "") -> None:
        self._add("error", where, message, subject)

    def warning(self, where: str, message: str, subject: str = "") -> None:
        self._add("warning", where, message, subject)

    # -- the whole file --------------------------------------------------------------------
    def run(self) -> list[Problem]:
        for where, line in self.parsed.duplicates:
            key = where.rsplit(".", 1)[-1]
            self.problems.append(Problem("error", line, where,
                                         f'"{key}" is written twice here; keep only one', "",
                                         self.file))
        data = self.parsed.data
        if data is None:
            self.error("", "the file is empty; start from the example in docs/campaign-format.md")
            return self.problems
        if not isinstance(data, dict):
            self.error("", "the file should be a list of fields (id, title, languages, ...), "
                           "each on its own line as 'name: value'")
            return self.problems
        self.unknown_fields("", data, TOP_FIELDS + OPTIONAL_TOP_FIELDS, "a campaign")
        for field in TOP_FIELDS:
            if field not in data:
                self.error("", f'the campaign needs "{field}" ({TOP_HINTS[field]})')
        self.check_id(data.get("id"))
        self.check_languages(data.get("languages"))
        self.check_keywords(data.get("keywords"))
        self.check_retention(data.get("retention_days"))
        for field, label, longest in (("title", "the title", MAX_NAME_CHARS),
                                      ("organisation", "the organisation", MAX_NAME_CHARS),
                                      ("thanks", "the thanks message", MAX_TEXT_CHARS)):
            if field in data:
                self.text(field, data[field], label, longest=longest)
        self.check_consent(data.get("consent"))
        self.check_steps(data.get("steps"))
        self.check_timezone(data.get("timezone"))
        self.check_quiet_hours(data.get("quiet_hours"))
        self.check_reminder(data.get("reminder"))
        if "follow_up" in data and str(data["follow_up"]).strip().lower() not in ("true",
                                                                                   "false"):
            self.error("follow_up", f'follow_up is "{data["follow_up"]}"; write true to ask '
                                    "residents at the end whether they want to hear what "
                                    "happened, or leave it out")
        if "sms_plain" in data:
            self.check_sms_plain(data["sms_plain"])
        if "invitation" in data:
            self.check_invitation(data["invitation"])
        if "population" in data:
            self.check_population(data["population"])
        return self.problems

    def unknown_fields(self, path: str, data: dict[str, Any], allowed: tuple[str, ...],
                       what: str, subject: str = "") -> None:
        for key in data:
            if key not in allowed:
                self.error(join(path, key),
                           f'"{key}" is not something {what} can have{_suggest(key, allowed)}',
                           subject)

    # -- top-level fields ------------------------------------------------------------------
    def check_id(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not CAMPAIGN_ID.match(value):
            self.error("id", f'the id "{value}" can only use lower-case letters, digits and '
                             "dashes, like buses-2026")
        elif len(value) > MAX_ID_CHARS:
            self.error("id", f"the id is {len(value)} characters long; keep it to "
                             f"{MAX_ID_CHARS} or fewer, like buses-2026")

    def check_languages(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.error("languages", "languages should be a list like [en, cy]")
            return
        for number, code in enumerate(value, start=1):
            where = f"languages[{number}]"
            if not isinstance(code, str) or code not in LANGUAGES:
                self.error(where, f'"{code}" is not a supported language; use '
                                  f"{', '.join(SUPPORTED)}")
            elif code in self.languages:
                self.error(where, f'the language "{code}" is listed twice')
            else:
                self.languages.append(code)

    def check_sms_plain(self, value: Any) -> None:
        """The languages to send over SMS without the letters that need the shorter SMS:
        campaign languages written in Latin letters only (others cannot be written faithfully
        in the SMS alphabet, so they are always sent in full)."""
        if not isinstance(value, list):
            self.error("sms_plain", "sms_plain should be a list of languages like [pl, ro]")
            return
        for number, code in enumerate(value, start=1):
            where = f"sms_plain[{number}]"
            if code not in self.languages:
                self.error(where, f'"{code}" is not one of the campaign\'s languages')
            elif LANGUAGES[code].script != "Latin":
                self.error(where, f"{LANGUAGES[code].english_name} is not written in Latin "
                                  "letters, so it cannot be sent without its own letters; it "
                                  "is always sent in full")

    def check_keywords(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.error("keywords", "keywords should be a list like [BUSES, TRAVEL]")
            return
        reserved = command_words() | {fold(n) for lang in LANGUAGES.values() for n in lang.names}
        seen: set[str] = set()
        for number, word in enumerate(value, start=1):
            where = f"keywords[{number}]"
            if not isinstance(word, str) or not KEYWORD.match(word):
                self.error(where, f'the keyword "{word}" should be 2 to 20 letters and digits, '
                                  "with at least one letter and no spaces")
            elif word.upper() in seen:
                self.error(where, f'the keyword "{word.upper()}" is listed twice')
            elif fold(word) in reserved:
                self.error(where, f'the keyword "{word.upper()}" already means something to the '
                                  "bot (like STOP, HELP, YES or a language name); choose another")
            if isinstance(word, str):
                seen.add(word.upper())

    def check_retention(self, value: Any) -> None:
        if value is None:
            return
        days = as_int(value)
        if days is None or days <= 0:
            self.error("retention_days", f'retention_days is "{value}"; it should be a whole '
                                         "number of days, more than 0, like 365")

    def check_consent(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.error("consent", 'consent should have a "version" and a "text"')
            return
        self.unknown_fields("consent", value, ("version", "text"), "consent")
        version = value.get("version")
        if not isinstance(version, str) or not version.strip():
            self.error("consent.version", 'consent needs a "version", like "2026-11-a"; change '
                                          "it whenever the consent text changes")
        elif len(version) > MAX_ID_CHARS:
            self.error("consent.version", f"the consent version is {len(version)} characters "
                       f'long; keep it to {MAX_ID_CHARS} or fewer, like "2026-11-a"')
        if "text" not in value:
            self.error("consent", 'consent needs a "text" in every language')
        else:
            self.text("consent.text", value["text"], "the consent text")

    # -- optional settings -----------------------------------------------------------------
    def check_timezone(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or value.strip() not in _time_zones():
            close = _suggest(str(value), tuple(sorted(_time_zones())))
            self.error("timezone", f'"{value}" is not a time zone I know{close}; write it as '
                                   "Area/City, like Europe/London")

    def check_quiet_hours(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.error("quiet_hours", 'quiet_hours should look like {start: "21:00", end: '
                                      '"08:00"} (no campaign messages between them)')
            return
        self.unknown_fields("quiet_hours", value, ("start", "end"), "quiet_hours")
        times = {}
        for field in ("start", "end"):
            if field not in value:
                self.error("quiet_hours", f'quiet_hours needs an "{field}" time, like "08:00"')
                continue
            written = value[field]
            if not isinstance(written, str) or not CLOCK_TIME.match(written.strip()):
                self.error(join("quiet_hours", field), f'quiet_hours {field} is "{written}"; '
                           'write a 24-hour time with a colon, like "21:00" or "08:00"')
            else:
                times[field] = written.strip()
        if len(times) == 2 and times["start"] == times["end"]:
            self.error("quiet_hours.end", f'quiet_hours start and end are both {times["start"]}; '
                                          "they must differ")

    def check_reminder(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict) or "after_hours" not in value:
            self.error("reminder", "reminder should look like {after_hours: 48}: one reminder "
                                   "to residents who agreed but did not finish")
            return
        self.unknown_fields("reminder", value, ("after_hours",), "reminder")
        hours = as_int(value["after_hours"])
        if hours is None or hours <= 0:
            self.error("reminder.after_hours", f'after_hours is "{value["after_hours"]}"; it '
                                               "should be a whole number of hours, more than 0, "
                                               "like 48")

    def check_invitation(self, value: Any) -> None:
        shape = ('invitation should look like whatsapp: {content_sid: {en: HX...}}: the approved '
                 "WhatsApp template that invites residents, per language")
        if not isinstance(value, dict) or not value:
            self.error("invitation", shape)
            return
        self.unknown_fields("invitation", value, ("whatsapp",), "invitation")
        whatsapp = value.get("whatsapp")
        if "whatsapp" not in value:
            return
        if not isinstance(whatsapp, dict) or not isinstance(whatsapp.get("content_sid"), dict) \
                or not whatsapp["content_sid"]:
            self.error("invitation.whatsapp", shape)
            return
        self.unknown_fields("invitation.whatsapp", whatsapp, ("content_sid",),
                            "invitation.whatsapp")
        where = "invitation.whatsapp.content_sid"
        sids = whatsapp["content_sid"]
        for code in self.languages:
            if code not in sids:
                self.warning(where, f'there is no "{code}" invitation template, so WhatsApp '
                                    f"contacts who read {endonym(code)} cannot be invited")
        for code, sid in sids.items():
            here = join(where, code)
            if code not in self.languages:
                self.warning(here, f'the invitation has a "{code}" template, but "{code}" is not '
                                   "in languages, so it will not be used")
            if not isinstance(sid, str) or not CONTENT_SID.match(sid):
                self.error(here, f'the "{code}" invitation content_sid "{sid}" is not a Twilio '
                           "template id; it starts with HX followed by 32 letters and digits "
                           "(0-9, a-f), copied from Twilio's Content Template Builder")

    # -- target population and "about you" steps ------------------------------------------
    def check_population(self, value: Any) -> None:
        example = ('population should list each characteristic with the step that asks it and '
                   'its target shares, like age: {step: about_age, shares: {"16-24": 0.14, ...}}')
        if not isinstance(value, dict) or not value:
            self.error("population", example)
            return
        if SOURCE not in value:
            self.warning("population", 'say where the figures come from with "source", like '
                                       '"ONS Census 2021, Cardiff"')
        elif not isinstance(value[SOURCE], str) or not value[SOURCE].strip():
            self.error(join("population", SOURCE), "source should say where the figures come "
                                                   'from, like "ONS Census 2021, Cardiff"')
        used: dict[str, str] = {}
        names = [name for name in value if name != SOURCE]
        if not names:
            self.error("population", example)
        for name in names:
            where = join("population", name)
            if not STEP_ID.match(name):
                self.error(where, f'the characteristic "{name}" can only use letters, digits, _ '
                                  "and -, like age or ethnicity")
                continue
            self.check_characteristic(where, name, value[name], used)

    def check_characteristic(self, where: str, name: str, block: Any,
                             used: dict[str, str]) -> None:
        if not isinstance(block, dict):
            self.error(where, f'{name} should have the "step" that asks it and its "shares", like '
                              f'{name}: {{step: about_{name}, shares: {{...}}}}')
            return
        self.unknown_fields(where, block, ("step", "shares"), "a population characteristic")
        for field in ("step", "shares"):
            if field not in block:
                hint = ("the id of the step that asks it" if field == "step"
                        else "each group's share of the population, as decimals adding up to 1")
                self.error(where, f'{name} needs "{field}" ({hint})')
        ref = block.get("step")
        step = None
        if ref is not None:
            if not isinstance(ref, str) or ref not in self.earlier:
                self.error(join(where, "step"), f'{name} is asked by step "{ref}", which does '
                                                "not exist")
            elif ref in used:
                self.error(join(where, "step"), f'step "{ref}" already asks {used[ref]}; each '
                                                "characteristic needs its own step")
            else:
                used[ref] = name
                step = self.earlier[ref]
                if step.get("type") not in ("choice", "text"):
                    self.error(join(where, "step"), f'step "{ref}" is a {step.get("type")} step; '
                               "an about-you question is a choice step (or a text step for the "
                               "postcode)")
                    step = None
        if step is not None and step.get("type") == "choice":
            self.check_prefer_not(ref, step)
            self.check_not_reflected(ref)
        if "shares" in block:
            self.check_shares(join(where, "shares"), name, block["shares"], step)

    def check_prefer_not(self, ref: str, step: dict[str, Any]) -> None:
        options = step.get("options") if isinstance(step.get("options"), list) else []
        ids = [o.get("id") for o in options if isinstance(o, dict)]
        if PREFER_NOT not in ids:
            number = next(n for n, s in enumerate(self.parsed.data["steps"], start=1)
                          if isinstance(s, dict) and s.get("id") == ref)
            self.error(f"steps[{number}].options", "an about-you question must offer \"Prefer "
                       f'not to say": add an option with id {PREFER_NOT}',
                       f"steps[{number}] ({ref})")

    def check_not_reflected(self, ref: str) -> None:
        """What others said about themselves is not for sharing, even as counts."""
        for number, step in enumerate(self.parsed.data["steps"], start=1):
            if isinstance(step, dict) and step.get("type") == "reflect" and step.get("of") == ref:
                self.warning(f"steps[{number}].of", f'this shows residents what others answered '
                             f'to the about-you question "{ref}"; ask about their views instead',
                             f"steps[{number}] ({step.get('id')})")

    def check_shares(self, where: str, name: str, shares: Any,
                     step: dict[str, Any] | None) -> None:
        if not isinstance(shares, dict) or not shares:
            self.error(where, f'the shares of {name} should be one line per group, like '
                              '"16-24": 0.14 (the share of the population, as a decimal)')
            return
        total, counted = 0.0, True
        for key, value in shares.items():
            here = join(where, str(key))
            try:
                share = parse_share(value)
            except ValueError:
                percent = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", str(value))
                advice = (f"write it as a decimal: {float(percent.group(1)) / 100:g}" if percent
                          else "it should be a decimal from 0 to 1, like 0.14 for 14%")
                self.error(here, f'the share of "{key}" is "{value}"; {advice}')
                counted = False
                continue
            if not 0 <= share <= 1:
                self.error(here, f'the share of "{key}" is {value}; it should be a decimal from '
                                 "0 to 1, like 0.14 for 14%")
                counted = False
            total += share
        if step is not None:
            self.check_share_keys(where, name, shares, step)
        if counted and abs(total - 1) > SHARE_TOLERANCE:
            self.warning(where, f"the shares of {name} add up to {total:.2f}; they should add up "
                                "to 1 (everyone), or the gaps shown by `engage campaign reach` "
                                "will be off")

    def check_share_keys(self, where: str, name: str, shares: dict[str, Any],
                         step: dict[str, Any]) -> None:
        if step.get("type") == "text":  # read as a UK postcode, grouped by district
            for key in shares:
                if str(key).strip().lower() != OTHER_DISTRICT and not is_district(str(key)):
                    self.error(join(where, str(key)), f'"{key}" is not a postcode district; '
                               f"step \"{step.get('id')}\" is a text step, read as a UK postcode, "
                               'so its groups are districts like CF10 (and "other" for every '
                               "district not listed)")
            return
        options = step.get("options") if isinstance(step.get("options"), list) else []
        ids = [o.get("id") for o in options if isinstance(o, dict) and o.get("id") != PREFER_NOT]
        for key in shares:
            if key == PREFER_NOT:
                self.error(join(where, key), f'"{PREFER_NOT}" is never a group: those answers '
                                             "are shown apart; remove this share")
            elif key not in ids:
                self.error(join(where, str(key)), f'"{key}" is not an option of step '
                           f"\"{step.get('id')}\"{_suggest(str(key), tuple(map(str, ids)))}; "
                           f"its options are {_quoted(ids)}")
        missing = [option for option in ids if option not in shares]
        if missing:
            self.error(where, f"the shares of {name} have no share for {_quoted(missing)}; give "
                              "every option of the step a share (0 if none)")

    # -- texts -----------------------------------------------------------------------------
    def text(self, path: str, value: Any, label: str, subject: str = "",
             longest: int = MAX_TEXT_CHARS) -> None:
        """Every campaign language present, not empty, and not longer than can be sent."""
        if value is None:
            self.error(path, f"{label} is empty", subject)
            return
        if not isinstance(value, dict):
            example = self.languages[0] if self.languages else "en"
            self.error(path, f"{label} should have one text per language, like "
                             f'"{example}: ..." on its own line', subject)
            return
        for code in self.languages:
            words = value.get(code)
            if code not in value:
                self.error(path, f'{label} is missing the "{code}" translation', subject)
            elif not isinstance(words, str) or not words.strip():
                self.error(join(path, code), f'{label} has an empty "{code}" translation',
                           subject)
            elif len(words) > longest:
                limit = (f"a name can be at most {longest:,}" if longest == MAX_NAME_CHARS else
                         f"a message can be at most {longest:,} (Twilio sends nothing longer, "
                         "and one SMS is 160)")
                self.error(join(path, code), f'{label} in "{code}" is {len(words):,} characters '
                           f"long; {limit}", subject)
        for code in value:
            if code not in self.languages and code in LANGUAGES:
                self.warning(join(path, code), f'{label} has a "{code}" text, but "{code}" is '
                                               "not in languages, so it will not be used", subject)
            elif code not in LANGUAGES:
                self.error(join(path, code), f'{label} has a text for "{code}", which is not a '
                                             f"supported language ({', '.join(SUPPORTED)})",
                           subject)

    # -- steps -----------------------------------------------------------------------------
    def check_steps(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.error("steps", "steps should be a list with at least one step")
            return
        self.step_ids = {s.get("id") for s in value if isinstance(s, dict)
                         and isinstance(s.get("id"), str)}
        first_seen: dict[str, int] = {}
        for number, step in enumerate(value, start=1):
            path = f"steps[{number}]"
            if not isinstance(step, dict):
                self.error(path, "each step should have an id, a type and a text", path)
                continue
            step_id = step.get("id")
            subject = f"{path} ({step_id})" if isinstance(step_id, str) else path
            if step_id is None:
                self.error(path, 'this step needs an "id"', subject)
            elif not isinstance(step_id, str) or not STEP_ID.match(step_id):
                self.error(join(path, "id"), f'the step id "{step_id}" can only use letters, '
                                             "digits, _ and -", subject)
            elif step_id in first_seen:
                self.error(join(path, "id"), f'the step id "{step_id}" is already used by '
                                             f"steps[{first_seen[step_id]}]", subject)
            else:
                first_seen[step_id] = number
            self.check_step(path, step, subject)
            if isinstance(step_id, str) and step_id not in self.earlier:
                self.earlier[step_id] = step

    def check_step(self, path: str, step: dict[str, Any], subject: str) -> None:
        kind = step.get("type")
        if kind is None:
            self.error(path, f'this step needs a "type": {", ".join(STEP_TYPES)}', subject)
        elif kind not in STEP_TYPES:
            self.error(join(path, "type"), f'"{kind}" is not a step type{_suggest_type(str(kind))}; '
                                           f"use {', '.join(STEP_TYPES)}", subject)
        if "text" not in step:
            self.error(path, 'this step needs a "text" in every language', subject)
        else:
            self.text(join(path, "text"), step["text"], "text", subject)
        if kind in TYPE_FIELDS:
            allowed = COMMON_STEP_FIELDS + TYPE_FIELDS[kind]
            self.unknown_fields(path, step, allowed, f"a {kind} step", subject)
            for field in REQUIRED_TYPE_FIELDS.get(kind, ()):
                if field not in step:
                    self.error(path, f'a {kind} step needs "{field}"', subject)
        for field, label in (("more", "more"), ("why", "why")):
            if field in step and kind in TYPE_FIELDS and field in TYPE_FIELDS[kind]:
                self.text(join(path, field), step[field], label, subject)
        if kind in ("choice", "rank") and "options" in step:
            self.check_options(path, step, kind, subject)
        if kind == "scale":
            self.check_scale(path, step, subject)
        if kind in ("reflect", "revisit") and "of" in step:
            self.check_of(path, step, kind, subject)
        if kind == "reflect" and "quotes" in step:
            self.check_quotes(join(path, "quotes"), step, subject)
        if "when" in step:
            self.check_condition(join(path, "when"), step["when"], subject)
        if "whatsapp" in step and kind in TYPE_FIELDS:
            self.check_whatsapp(join(path, "whatsapp"), step, kind, subject)
        if "label" in step:
            self.check_label(join(path, "label"), step["label"], subject)

    def check_quotes(self, where: str, step: dict[str, Any], subject: str) -> None:
        """A reflect step may show one or two approved reasons others gave ("why")."""
        count = step["quotes"]
        if isinstance(count, bool) or as_int(count) is None or \
                not 0 <= as_int(count) <= MAX_REFLECT_QUOTES:
            self.error(where, f'quotes is "{count}"; it should be 0, 1 or 2: how many '
                              "approved reasons of other residents to show", subject)
            return
        target = self.earlier.get(step.get("of"))
        if as_int(count) and isinstance(target, dict) and "why" not in target:
            self.error(where, f'quotes shows others\' reasons for "{step.get("of")}", which '
                              'asks no "why"; add a why to that step', subject)

    def check_label(self, where: str, label: Any, subject: str) -> None:
        if not isinstance(label, str) or not label.strip() or "\n" in label.strip():
            self.error(where, "label should be a short title for staff on one line, like "
                              '"Travel to appointments"', subject)
        elif len(label.strip()) > MAX_LABEL:
            self.error(where, f"label has {len(label.strip())} characters; keep it to "
                              f"{MAX_LABEL} (it is a heading in the report)", subject)

    def check_whatsapp(self, where: str, step: dict[str, Any], kind: str, subject: str) -> None:
        if kind != "choice":
            hint = (" (a revisit of a choice uses that choice's buttons)"
                    if kind == "revisit" else "")
            self.error(where, f"WhatsApp buttons only work on choice steps; this is a {kind} "
                              f"step{hint}", subject)
            return
        block = step["whatsapp"]
        if not isinstance(block, dict):
            self.error(where, 'whatsapp should have a "type" (quick-reply or list) and a '
                              '"content_sid" for each language', subject)
            return
        self.unknown_fields(where, block, WHATSAPP_FIELDS, "whatsapp", subject)
        kind_of = block.get("type")
        if kind_of is None:
            self.error(where, 'whatsapp needs a "type": quick-reply or list', subject)
        elif kind_of not in WHATSAPP_TYPES:
            self.error(join(where, "type"), f'"{kind_of}" is not a WhatsApp button type'
                       f"{_suggest(str(kind_of), WHATSAPP_TYPES)}; use quick-reply (up to 3 "
                       "options) or list (up to 10)", subject)
        else:
            options = step.get("options")
            count = len(options) if isinstance(options, list) else 0
            most = WHATSAPP_MAX_OPTIONS[kind_of]
            if count > most:
                what = ("WhatsApp quick-reply buttons allow" if kind_of == "quick-reply"
                        else "a WhatsApp list allows")
                self.error(join(where, "type"), f"{what} up to {most} options; this step has "
                           f"{count}"
                           + ("; use list instead (up to 10)" if kind_of == "quick-reply"
                              and count <= WHATSAPP_MAX_OPTIONS["list"] else ""), subject)
        sids = block.get("content_sid")
        if sids is None:
            self.error(where, 'whatsapp needs a "content_sid" (the HX... template id from '
                              "Twilio) for each language", subject)
            return
        if not isinstance(sids, dict):
            example = self.languages[0] if self.languages else "en"
            self.error(join(where, "content_sid"), "content_sid should have one template id per "
                       f'language, like "{example}: HX..." on its own line', subject)
            return
        for code in self.languages:
            if code not in sids:
                self.error(join(where, "content_sid"), f'content_sid is missing the "{code}" '
                           "template; every language of the campaign needs its own", subject)
        for code, sid in sids.items():
            here = join(where, f"content_sid.{code}")
            if code not in self.languages:
                self.warning(here, f'content_sid has a "{code}" template, but "{code}" is not in '
                                   "languages, so it will not be used", subject)
            if not isinstance(sid, str) or not CONTENT_SID.match(sid):
                self.error(here, f'the "{code}" content_sid "{sid}" is not a Twilio template '
                           'id; it starts with HX followed by 32 letters and digits (0-9, a-f), '
                           "copied from Twilio's Content Template Builder", subject)

    def check_options(self, path: str, step: dict[str, Any], kind: str, subject: str) -> None:
        where = join(path, "options")
        options = step["options"]
        if not isinstance(options, list):
            self.error(where, "options should be a list, each with an id and a text", subject)
            return
        if kind == "choice" and len(options) < 2:
            self.error(where, f"a choice step needs at least 2 options; it has {len(options)}",
                       subject)
        if kind == "choice" and len(options) > MAX_EASY_OPTIONS:
            self.warning(where, f"{len(options)} options is a lot to read by SMS; "
                                f"{MAX_EASY_OPTIONS} or fewer is easier", subject)
        if kind == "rank" and not 2 <= len(options) <= MAX_RANK_OPTIONS:
            self.error(where, f"a rank step needs 2 to {MAX_RANK_OPTIONS} options (residents "
                              f"reply with one digit each); it has {len(options)}", subject)
        stops, commands = folded(OPT_OUT), command_words()
        seen: set[str] = set()
        for number, option in enumerate(options, start=1):
            here = f"{where}[{number}]"
            if not isinstance(option, dict):
                self.error(here, f"option {number} should have an id and a text", subject)
                continue
            self.unknown_fields(here, option, ("id", "text"), "an option", subject)
            option_id = option.get("id")
            if option_id is None:
                self.error(here, f'option {number} needs an "id" (the value that is stored)',
                           subject)
            elif not isinstance(option_id, str) or not STEP_ID.match(option_id):
                self.error(join(here, "id"), f'the option id "{option_id}" can only use '
                                             "letters, digits, _ and -", subject)
            elif option_id in seen:
                self.error(join(here, "id"), f'the option id "{option_id}" is used twice',
                           subject)
            else:
                seen.add(option_id)
            label = f'option {number} ("{option_id}")' if option_id else f"option {number}"
            if "text" not in option:
                self.error(here, f"{label} needs a text in every language", subject)
                continue
            self.text(join(here, "text"), option["text"], label, subject)
            texts = option["text"] if isinstance(option["text"], dict) else {}
            for code, words in texts.items():
                key = fold(words) if isinstance(words, str) else ""
                if key in stops:
                    self.error(join(here, f"text.{code}"), f'{label} reads "{words}", which '
                               "residents send to stop all messages; reword it", subject)
                elif key in commands:
                    self.warning(join(here, f"text.{code}"), f'{label} reads "{words}", which '
                                 "is also a command word; residents can still reply with its "
                                 "number", subject)

    def check_scale(self, path: str, step: dict[str, Any], subject: str) -> None:
        low, high = DEFAULT_SCALE
        for field in ("min", "max"):
            if field in step:
                number = as_int(step[field])
                if number is None or not SCALE_LOWEST <= number <= SCALE_HIGHEST:
                    self.error(join(path, field), f'{field} is "{step[field]}"; it should be a '
                               f"whole number from {SCALE_LOWEST} to {SCALE_HIGHEST}", subject)
                    return
                low, high = (number, high) if field == "min" else (low, number)
        if low >= high:
            self.error(join(path, "min"), f"the scale goes from {low} to {high}; min must be "
                                          "smaller than max", subject)
            return
        labels = step.get("labels")
        if labels is None:
            return
        if not isinstance(labels, dict):
            self.error(join(path, "labels"), "labels should look like 1: {en: Strongly disagree}",
                       subject)
            return
        for key, text in labels.items():
            point = as_int(key)
            where = join(path, f"labels.{key}")
            if point is None or not low <= point <= high:
                self.error(where, f'the label "{key}" is not a point on the scale '
                                  f"({low} to {high})", subject)
            else:
                self.text(where, text, f"label {point}", subject)

    def check_of(self, path: str, step: dict[str, Any], kind: str, subject: str) -> None:
        target = step["of"]
        where = join(path, "of")
        allowed = ("choice",) if kind == "reflect" else ("choice", "scale", "rank")
        wanted = allowed[0] if len(allowed) == 1 else f"{', '.join(allowed[:-1])} or {allowed[-1]}"
        if target not in self.step_ids:
            self.error(where, f'"of" refers to step "{target}", which does not exist', subject)
        elif target not in self.earlier:
            self.error(where, f'"of" refers to step "{target}", which comes later; it must be '
                              f"an earlier {wanted} step", subject)
        elif self.earlier[target].get("type") not in allowed:
            self.error(where, f'"of" must be an earlier {wanted} step; "{target}" is a '
                              f"{self.earlier[target].get('type')} step", subject)

    def answer_kind(self, step_id: str) -> tuple[str, dict[str, Any]]:
        """What an earlier step's answer is like, looking through revisits to the original."""
        step = self.earlier[step_id]
        if step.get("type") == "revisit" and step.get("of") in self.earlier:
            return self.answer_kind(step["of"])
        return str(step.get("type")), step

    def check_condition(self, where: str, when: Any, subject: str) -> None:
        if not isinstance(when, dict):
            self.error(where, '"when" should look like {step: travel_mode, in: [bus]}', subject)
            return
        self.unknown_fields(where, when, CONDITION_FIELDS, '"when"', subject)
        ref = when.get("step")
        if ref is None:
            self.error(where, '"when" needs the "step" whose answer it uses', subject)
            return
        if ref not in self.step_ids:
            self.error(join(where, "step"), f'"when" refers to step "{ref}", which does not '
                                            "exist", subject)
            return
        if ref not in self.earlier:
            self.error(join(where, "step"), f'"when" refers to step "{ref}", which does not '
                       "come before this one; a condition can only use an earlier answer",
                       subject)
            return
        has_in = "in" in when
        has_range = "at_least" in when or "at_most" in when
        if has_in == has_range:
            self.error(where, '"when" needs either "in" (for choice or reflect answers) or '
                              '"at_least"/"at_most" (for scale answers)', subject)
            return
        kind, target = self.answer_kind(ref)
        if has_in:
            self.check_condition_in(where, when["in"], ref, kind, target, subject)
        else:
            self.check_condition_range(where, when, ref, kind, target, subject)

    def check_condition_in(self, where: str, values: Any, ref: str, kind: str,
                           target: dict[str, Any], subject: str) -> None:
        if kind == "choice":
            valid = [o.get("id") for o in target.get("options") or [] if isinstance(o, dict)]
        elif kind == "reflect":
            valid = ["yes", "no"]
        else:
            self.error(join(where, "in"), f'"in" only works with choice or reflect answers; '
                                          f'"{ref}" is a {kind} step', subject)
            return
        if not isinstance(values, list) or not values:
            self.error(join(where, "in"), f'"in" should be a list of answers, like [{valid[0] if valid else "bus"}]',
                       subject)
            return
        for number, value in enumerate(values, start=1):
            if value not in valid:
                self.error(join(where, f"in[{number}]"), f'"{value}" is not an answer to step '
                           f'"{ref}"; its answers are {_quoted(valid)}', subject)

    def check_condition_range(self, where: str, when: dict[str, Any], ref: str, kind: str,
                              target: dict[str, Any], subject: str) -> None:
        if kind != "scale":
            self.error(where, f'"at_least" and "at_most" only work with scale answers; "{ref}" '
                              f"is a {kind} step", subject)
            return
        low = as_int(target.get("min", str(DEFAULT_SCALE[0])))
        high = as_int(target.get("max", str(DEFAULT_SCALE[1])))
        bounds: dict[str, int] = {}
        for field in ("at_least", "at_most"):
            if field not in when:
                continue
            number = as_int(when[field])
            if number is None:
                self.error(join(where, field), f'{field} should be a whole number', subject)
            elif low is not None and high is not None and not low <= number <= high:
                self.error(join(where, field), f"{field} is {number}, but step \"{ref}\" goes "
                                               f"from {low} to {high}", subject)
            else:
                bounds[field] = number
        if len(bounds) == 2 and bounds["at_least"] > bounds["at_most"]:
            self.error(where, f"at_least ({bounds['at_least']}) is more than at_most "
                              f"({bounds['at_most']}), so this step would never be asked", subject)
