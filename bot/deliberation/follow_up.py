"""Closing the loop: residents who asked to hear what happened are sent staff's short
"you said, we did" message, once each, through the launch path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.stages import counted
from bot.store.models import FollowUp, FollowUpOptIn, FollowUpSend


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
