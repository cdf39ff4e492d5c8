"""Closing the loop: residents who asked to hear what happened are sent staff's short
"you said, we did" message, once each, through the launch path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.stages import counted
from bot.store.models import FollowUp, FollowUpOptIn, FollowUpSend, Participant, utcnow


@dataclass
class Counts:
    opted_in: int = 0  # Agreed residents who asked to hear what happened
    queued: int = 0  # follow-ups waiting for the worker
    told: int = 0  # sent ("told what happened")
    failed: int = 0


def counts(session: Session, slug: str) -> Counts:
    ids = [p.id for p in counted(session, slug)]
    found = Counts()
    if ids:
        found.opted_in = session.query(FollowUpOptIn).filter(
            FollowUpOptIn.participant_id.in_(ids)).count()
    for status, in session.query(FollowUpSend.status).join(
            FollowUp, FollowUp.id == FollowUpSend.follow_up_id).filter(FollowUp.slug == slug):
        if status == "sent":
            found.told += 1
        elif status == "failed":
            found.failed += 1
        else:
            found.queued += 1
    return found


def record_answer(session: Session, participant: Participant, yes: bool) -> None:
    """The resident's answer to "can we text you later about what happened?": a yes is an
    opt-in row (in their language), a no leaves none."""
    row = session.query(FollowUpOptIn).filter_by(participant_id=participant.id).one_or_none()
    if yes and row is None:
        session.add(FollowUpOptIn(participant_id=participant.id, language=participant.language,
                                  opted_in_at=utcnow()))
    elif yes:
        row.language, row.opted_in_at = participant.language, utcnow()
    elif row is not None:
        session.delete(row)
