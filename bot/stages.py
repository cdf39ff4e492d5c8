"""The funnel stages of a campaign: one definition of each, with the words staff read.

`engage campaign status`, `engage campaign reach`, `engage results`, the HTML report and the
exports all count through this module (and the console will), so a figure such as "Agreed"
means the same everywhere, and each output can print what it means.

Who is counted: each resident once per campaign, by their latest participation in it (any
version); staff's test conversations from the console never count. A resident who said STOP and later started again counts by the new participation.
An invitation enrols a resident before they write; they are not "started" until they reply.

The stages, each inside the one above it:

    Started                    wrote back at least once
      Deciding                 not yet agreed or said no
      Agreed                   gave consent and has not withdrawn it
        Finished               answered to the end
        Still answering        not finished yet
      Said no                  said no to taking part
      Withdrew                 agreed, then said STOP
      Stopped before agreeing  said STOP before giving consent

Only Agreed residents' answers are used, anywhere (see `answers_count`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.campaigns.versions import version_ids
from bot.store.models import Participant


@dataclass(frozen=True)
class Stage:
    key: str  # stable, for code and CSV columns; never shown as a word to staff
    name: str  # what staff read: "Agreed"
    meaning: str  # "gave consent and has not withdrawn it"
    depth: int = 0  # 0 started; 1 inside started; 2 inside agreed

    @property
    def definition(self) -> str:
        return f"{self.name}: {self.meaning}"


STARTED = Stage("started", "Started", "wrote back at least once (texted the keyword, or "
                "replied to an invitation)")
DECIDING = Stage("deciding", "Deciding", "started, but has not yet agreed or said no "
                 "(choosing a language or reading the consent message)", 1)
AGREED = Stage("agreed", "Agreed", "gave consent and has not withdrawn it; only these "
               "residents' answers are used", 1)
FINISHED = Stage("finished", "Finished", "agreed and answered to the end", 2)
ANSWERING = Stage("answering", "Still answering", "agreed and has not finished yet", 2)
SAID_NO = Stage("said_no", "Said no", "said no to taking part", 1)
WITHDREW = Stage("withdrew", "Withdrew", "agreed, then said STOP; their answers are no "
                 "longer used", 1)
STOPPED_EARLY = Stage("stopped_early", "Stopped before agreeing", "said STOP before giving "
                      "consent", 1)
STAGES = (STARTED, DECIDING, AGREED, FINISHED, ANSWERING, SAID_NO, WITHDREW, STOPPED_EARLY)
BY_KEY = {stage.key: stage for stage in STAGES}
WHO_COUNTS = ("Each resident is counted once, by their latest participation in the campaign "
              "(any version). Invited residents count from their first reply.")
WITHDRAWN_RULE = ("Residents who withdrew (said STOP after agreeing), said no, or never agreed "
                  "are left out: their answers are not used.")


def stages_of(consent: str, status: str, last_message_at: datetime | None) -> tuple[str, ...]:
    """The keys of every stage a participation is in, from its stored consent and status."""
    if consent == "given":  # consent given and standing: it is "withdrawn" after STOP
        return (STARTED.key, AGREED.key,
                FINISHED.key if status == "completed" else ANSWERING.key)
    if consent == "withdrawn":
        return (STARTED.key, WITHDREW.key)
    if consent == "declined" or status == "declined":
        return (STARTED.key, SAID_NO.key)
    if status == "opted_out":
        return (STARTED.key, STOPPED_EARLY.key)
    if last_message_at is None:
        return ()  # invited, has not replied
    return (STARTED.key, DECIDING.key)


def answers_count(participant: Participant) -> bool:
    """Whether a participation's answers are used: consent given and not withdrawn."""
    return AGREED.key in stages_of(participant.consent, participant.status,
                                   participant.last_message_at)


def latest_participations(session: Session, version_ids: Iterable[int],
                          only: Any = None) -> list[Participant]:
    """Each resident's latest participation among these campaign versions, oldest first.
    Staff's own test conversations ("Try it" in the console) are never anyone's. `only` (a
    bot.reports.filtering.AnswerFilter) then keeps the residents it admits: the one place
    every figure and export is narrowed."""
    latest: dict[str, Participant] = {}
    for participant in (session.query(Participant)
                        .filter(Participant.campaign_id.in_(list(version_ids)),
                                Participant.is_test.is_(False))
                        .order_by(Participant.id)):
        latest[participant.pseudonym] = participant
    kept = (p for p in latest.values() if only is None or only.admits(p))
    return sorted(kept, key=lambda participant: participant.id)


def counted(session: Session, slug: str, only: Any = None) -> list[Participant]:
    """The participations whose answers are used for a campaign: Agreed residents only
    (those `only` admits, if given)."""
    return [p for p in latest_participations(session, version_ids(session, slug), only)
            if answers_count(p)]


def definitions(*stages: Stage) -> list[str]:
    """The definitions to print under a table, in staff words."""
    return [stage.definition for stage in (stages or STAGES)]
