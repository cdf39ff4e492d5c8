"""The campaign definition as the engine and the store see it: immutable, already checked.

`to_dict()` gives the same shape as the YAML file (JSON-safe), and `from_dict()` rebuilds the
identical campaign from it, so the store can keep the exact definition a resident started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Text = dict[str, str]  # language code -> text

STEP_TYPES = ("info", "choice", "scale", "rank", "text", "reflect", "revisit")
WHATSAPP_TYPES = ("quick-reply", "list")
WHATSAPP_MAX_OPTIONS = {"quick-reply": 3, "list": 10}
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_QUIET_HOURS = ("21:00", "08:00")
ANSWERED_TYPES = ("choice", "scale", "rank", "text", "reflect", "revisit")


def _text(value: Any) -> Text:
    return {str(language): str(words) for language, words in dict(value).items()}


@dataclass(frozen=True)
class Option:
    """One numbered option; `id` is what is stored, `text` what the resident reads."""

    id: str
    text: Text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": dict(self.text)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Option:
        return cls(id=str(data["id"]), text=_text(data["text"]))


@dataclass(frozen=True)
class WhatsAppButtons:
    """A choice step shown on WhatsApp as an approved Twilio Content template: quick-reply
    buttons or a list. `content_sid` is the template (HX...) per language; its variables are
    {{1}} the question and {{2}}.. the option labels in order."""

    type: str
    content_sid: Text

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "content_sid": dict(self.content_sid)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WhatsAppButtons:
        return cls(type=str(data["type"]), content_sid=_text(data["content_sid"]))


@dataclass(frozen=True)
class Condition:
    """Ask a step only when an earlier answer fits; a skipped answer never fits."""

    step: str
    in_: tuple[str, ...] | None = None
    at_least: int | None = None
    at_most: int | None = None

    def holds(self, value: Any) -> bool:
        if value is None:
            return False
        if self.in_ is not None and value not in self.in_:
            return False
        if self.at_least is not None or self.at_most is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            if self.at_least is not None and value < self.at_least:
                return False
            if self.at_most is not None and value > self.at_most:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"step": self.step}
        if self.in_ is not None:
            data["in"] = list(self.in_)
        if self.at_least is not None:
            data["at_least"] = self.at_least
        if self.at_most is not None:
            data["at_most"] = self.at_most
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Condition:
        values = data.get("in")
        return cls(
            step=str(data["step"]),
            in_=None if values is None else tuple(str(v) for v in values),
            at_least=None if data.get("at_least") is None else int(data["at_least"]),
            at_most=None if data.get("at_most") is None else int(data["at_most"]),
        )


@dataclass(frozen=True)
class Step:
    """One message to the resident and, for most types, one answer back."""

    id: str
    type: str
    text: Text
    options: tuple[Option, ...] = ()
    more: Text | None = None
    why: Text | None = None
    min: int | None = None
    max: int | None = None
    labels: dict[int, Text] = field(default_factory=dict)
    of: str | None = None
    when: Condition | None = None
    whatsapp: WhatsAppButtons | None = None
    label: str | None = None  # a short title for staff (reports, status); never sent
    quotes: int = 0  # reflect: approved reasons of other residents to show (0 to 2)

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "text": dict(self.text)}
        if self.options:
            data["options"] = [option.to_dict() for option in self.options]
        if self.more is not None:
            data["more"] = dict(self.more)
        if self.why is not None:
            data["why"] = dict(self.why)
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.labels:
            data["labels"] = {str(point): dict(text) for point, text in self.labels.items()}
        if self.of is not None:
            data["of"] = self.of
        if self.when is not None:
            data["when"] = self.when.to_dict()
        if self.whatsapp is not None:
            data["whatsapp"] = self.whatsapp.to_dict()
        if self.label is not None:
            data["label"] = self.label
        if self.quotes:
            data["quotes"] = self.quotes
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(
            id=str(data["id"]),
            type=str(data["type"]),
            text=_text(data["text"]),
            options=tuple(Option.from_dict(o) for o in data.get("options") or ()),
            more=None if data.get("more") is None else _text(data["more"]),
            why=None if data.get("why") is None else _text(data["why"]),
            min=None if data.get("min") is None else int(data["min"]),
            max=None if data.get("max") is None else int(data["max"]),
            labels={int(k): _text(v) for k, v in (data.get("labels") or {}).items()},
            of=None if data.get("of") is None else str(data["of"]),
            when=None if data.get("when") is None else Condition.from_dict(data["when"]),
            whatsapp=(None if data.get("whatsapp") is None
                      else WhatsAppButtons.from_dict(data["whatsapp"])),
            label=None if data.get("label") is None else str(data["label"]),
            quotes=int(data.get("quotes") or 0),
        )


@dataclass(frozen=True)
class Campaign:
    """A whole campaign: who asks, in which languages, with what consent, and the steps."""

    id: str
    title: Text
    organisation: Text
    languages: tuple[str, ...]
    keywords: tuple[str, ...]
    retention_days: int
    consent_version: str
    consent_text: Text
    thanks: Text
    steps: tuple[Step, ...]
    # Optional settings (the file may leave them out; to_dict() writes them only when set, so
    # a campaign published before they existed keeps its checksum).
    timezone: str = DEFAULT_TIMEZONE  # quiet hours and `--at` times are in this zone
    quiet_hours: tuple[str, str] = DEFAULT_QUIET_HOURS  # (start, end), "HH:MM", local time
    reminder_after_hours: int | None = None  # one reminder to consented, unfinished residents
    invitation_whatsapp: Text | None = None  # approved Content template (HX...) per language
    population: dict[str, Any] | None = None  # the target population, for `campaign reach`
    follow_up: bool = False  # ask at the end whether they want to hear what happened
    # Latin-script languages sent over SMS without the letters that need the 70-character SMS
    # (Polish without ogonki...): WhatsApp and Telegram always get the full spelling.
    sms_plain: tuple[str, ...] = ()

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def whatsapp_template(self, step_id: str, language: str) -> str | None:
        """The WhatsApp Content template (HX...) that asks this step in this language, if the
        campaign has one; a revisit of a choice uses that choice's template."""
        step = self.step(step_id)
        if step.type == "revisit" and step.of is not None:
            step = self.step(step.of)
        if step.type != "choice" or step.whatsapp is None:
            return None
        return step.whatsapp.content_sid.get(language)

    def index(self, step_id: str) -> int:
        for number, step in enumerate(self.steps):
            if step.id == step_id:
                return number
        raise KeyError(step_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": dict(self.title),
            "organisation": dict(self.organisation),
            "languages": list(self.languages),
            "keywords": list(self.keywords),
            "retention_days": self.retention_days,
            "consent": {"version": self.consent_version, "text": dict(self.consent_text)},
            "thanks": dict(self.thanks),
            "steps": [step.to_dict() for step in self.steps],
            **self._optional_dict(),
        }

    def _optional_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.timezone != DEFAULT_TIMEZONE:
            data["timezone"] = self.timezone
        if self.quiet_hours != DEFAULT_QUIET_HOURS:
            data["quiet_hours"] = {"start": self.quiet_hours[0], "end": self.quiet_hours[1]}
        if self.reminder_after_hours is not None:
            data["reminder"] = {"after_hours": self.reminder_after_hours}
        if self.invitation_whatsapp is not None:
            data["invitation"] = {"whatsapp": {"content_sid": dict(self.invitation_whatsapp)}}
        if self.population is not None:
            data["population"] = self.population
        if self.follow_up:
            data["follow_up"] = True
        if self.sms_plain:
            data["sms_plain"] = list(self.sms_plain)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Campaign:
        consent = data["consent"]
        return cls(
            id=str(data["id"]),
            title=_text(data["title"]),
            organisation=_text(data["organisation"]),
            languages=tuple(str(code) for code in data["languages"]),
            keywords=tuple(str(word).upper() for word in data["keywords"]),
            retention_days=int(data["retention_days"]),
            consent_version=str(consent["version"]),
            consent_text=_text(consent["text"]),
            thanks=_text(data["thanks"]),
            steps=tuple(Step.from_dict(step) for step in data["steps"]),
            timezone=str(data.get("timezone") or DEFAULT_TIMEZONE),
            quiet_hours=_quiet_hours(data.get("quiet_hours")),
            reminder_after_hours=_reminder_hours(data.get("reminder")),
            invitation_whatsapp=_invitation_template(data.get("invitation")),
            population=None if data.get("population") is None else dict(data["population"]),
            follow_up=str(data.get("follow_up", False)).strip().lower() == "true",
            sms_plain=tuple(str(code) for code in data.get("sms_plain") or ()),
        )


def _quiet_hours(value: Any) -> tuple[str, str]:
    if not value:
        return DEFAULT_QUIET_HOURS
    return (str(value.get("start", DEFAULT_QUIET_HOURS[0])),
            str(value.get("end", DEFAULT_QUIET_HOURS[1])))


def _reminder_hours(value: Any) -> int | None:
    if not value or value.get("after_hours") is None:
        return None
    return int(value["after_hours"])


def _invitation_template(value: Any) -> Text | None:
    whatsapp = (value or {}).get("whatsapp") or {}
    sids = whatsapp.get("content_sid")
    return None if not sids else _text(sids)
