"""Narrowing a campaign's figures and exports to some residents: by the day they joined, the
channel they used and the language they chose. One filter for the console's results pages,
its downloads, the printable report and the command line (`engage results --channel`,
`engage export --since`), applied in one place: `bot.stages.latest_participations`, after
each resident's latest participation is chosen, so a filtered figure counts the same
residents the unfiltered one does, only fewer of them.

Dates are whole days in UTC, both ends included, and pick residents by `started_at` (the
day they texted the keyword or were invited: the export's `started_at` column), so residents
are never split across two date ranges and their answers stay together.

A filter keeps every small-number rule of the figures it narrows. And since the unfiltered
figures can be seen too, a filter that leaves out only 1 to 4 residents would give them away
by difference: such a filter shows no figures (`left_out_too_few`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.errors import BadRequest
from bot.reports import staff_words
from bot.reports.small_numbers import THRESHOLD, is_small

# what staff may type or choose -> the channel code participations carry
CHANNELS = {"sms": "twilio_sms", "whatsapp": "twilio_whatsapp", "telegram": "telegram",
            "web": "rest", **{code: code for code in staff_words.CHANNELS}}
CHANNEL_CHOICES = [("sms", "SMS"), ("whatsapp", "WhatsApp"), ("telegram", "Telegram"),
                   ("web", "web chat")]
LEFT_OUT = (f"This filter leaves out fewer than {THRESHOLD} residents, so its figures, set "
            "beside the figures for everyone, would point to them: nothing is shown. Widen the "
            "filter or remove it.")


@dataclass(frozen=True)
class AnswerFilter:
    """Residents who joined from `since` to `until` (days, UTC, both included), on `channel`
    (a participation's channel code), in `language` (a language code). None: any."""

    since: date | None = None
    until: date | None = None
    channel: str | None = None
    language: str | None = None

    @classmethod
    def parse(cls, since: str | None = None, until: str | None = None,
              channel: str | None = None, language: str | None = None) -> AnswerFilter:
        """From what staff typed or chose; BadRequest in plain words for anything else."""
        start, end = _day(since, "from"), _day(until, "to")
        if start and end and end < start:
            raise BadRequest(f"The 'to' date ({end.isoformat()}) is before the 'from' date "
                             f"({start.isoformat()}): choose a 'to' date on or after it.")
        code = None
        if (channel or "").strip():
            code = CHANNELS.get(channel.strip().lower())
            if code is None:
                raise BadRequest(f"'{channel.strip()[:40]}' is not a channel: choose one of "
                                 f"{', '.join(name for name, _ in CHANNEL_CHOICES)}.")
        chosen = None
        if (language or "").strip():
            chosen = language.strip().lower()
            if chosen not in staff_words.LANGUAGES:
                raise BadRequest(f"'{language.strip()[:40]}' is not a language the bot "
                                 f"speaks: choose one of {', '.join(sorted(staff_words.LANGUAGES))}.")
        return cls(start, end, code, chosen)

    @property
    def active(self) -> bool:
        return any(value is not None for value in (self.since, self.until, self.channel,
                                                   self.language))

    def admits(self, participant) -> bool:
        """Whether a participation (bot.store.models.Participant) is one of these residents."""
        if self.channel is not None and participant.channel != self.channel:
            return False
        if self.language is not None and participant.language != self.language:
            return False
        started: datetime = participant.started_at
        if self.since is not None and started < datetime.combine(self.since, datetime.min.time()):
            return False
        if self.until is not None and self.until < date.max and started >= datetime.combine(
                self.until + timedelta(days=1), datetime.min.time()):
            return False
        return True

    def words(self) -> str:
        """'Residents who joined from 1 December 2026 to 3 December 2026, on SMS, in Welsh',
        or 'Every resident'."""
        if not self.active:
            return "Every resident"
        parts = ["Residents who"]
        if self.since and self.until:
            parts.append(f"joined from {_words(self.since)} to {_words(self.until)} (UTC)")
        elif self.since:
            parts.append(f"joined on or after {_words(self.since)} (UTC)")
        elif self.until:
            parts.append(f"joined on or before {_words(self.until)} (UTC)")
        else:
            parts.append("took part")
        text = " ".join(parts)
        if self.channel:
            text += f", on {staff_words.channel(self.channel)}"
        if self.language:
            text += f", in {staff_words.language(self.language)}"
        return text

    def query(self) -> dict[str, str]:
        """The filter as form fields (`from`, `to`, `channel`, `language`), for links."""
        names = {code: name for name, code in CHANNELS.items() if name in dict(CHANNEL_CHOICES)}
        values = {"from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else "",
                  "channel": names.get(self.channel or "", "") if self.channel else "",
                  "language": self.language or ""}
        return {key: value for key, value in values.items() if value}

    def audit(self) -> dict[str, str]:
        """What an audit entry records of the filter (nothing when there is none)."""
        return {"filter": self.words()} if self.active else {}


EVERYONE = AnswerFilter()


def _day(text: str | None, label: str) -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"The '{label}' date '{value[:40]}' is not a date like 2026-11-01."
                         ) from None


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def left_out_too_few(session: Session, version_ids: list[int], only: AnswerFilter | None) -> bool:
    """Whether `only` leaves out just 1 to 4 of the residents who started: its figures would
    then point to them, by difference with the unfiltered ones."""
    if only is None or not only.active:
        return False
    from bot.stages import STARTED, latest_participations, stages_of

    def started(participants) -> int:
        return sum(1 for p in participants
                   if STARTED.key in stages_of(p.consent, p.status, p.last_message_at))

    every = latest_participations(session, version_ids)
    return is_small(started(every) - started(p for p in every if only.admits(p)))
