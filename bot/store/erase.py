"""Erasure: everything held about one pseudonym goes, in every store, leaving only the bare fact."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import (
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    ContactSource,
    Erasure,
    InboxClaim,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
    utcnow,
)

RASA_EVENTS_TABLE = "events"


def delete_tracker_events(session: Session, pseudonym: str) -> int:
    """Delete the Rasa tracker store's events for this sender, when the table is here."""
    bind = session.get_bind()
    if not sa.inspect(bind).has_table(RASA_EVENTS_TABLE):
        return 0
    result = session.execute(
        sa.text(f"DELETE FROM {RASA_EVENTS_TABLE} WHERE sender_id = :sender"), {"sender": pseudonym}
    )
    return result.rowcount or 0


def erase_pseudonym(
    session: Session, pseudonym: str, requested_by: str, include_tracker: bool = True,
    keep_contact: bool = False, keep_inbox_id: int | None = None, record: bool = True,
) -> bool:
    """Remove responses, consent records, participation, vault entry, inbox and outbox
    messages, invitations, group memberships, contact sources (and tracker events).

    Returns whether anything was held. Called inside a Rasa turn, `include_tracker` is False:
    the tracker store erases the conversation itself once Rasa has saved the turn. A provider
    channel still has to send the confirmation: `keep_contact` keeps the vault entry and
    `keep_inbox_id` the DELETE message's own inbox row (the confirmation's outbox row points
    at it: a reply to the resident's own message, sent after STOP and within WhatsApp's
    24 hours); the sender removes both once the confirmation is sent (bot/outbound/sender.py).
    `record=False` leaves no Erasure row: for staff's own test conversations (bot.simulator),
    which were never a resident's.
    """
    participants = session.query(Participant).filter_by(pseudonym=pseudonym).all()
    ids = [p.id for p in participants]
    slugs = sorted(
        {slug for (slug,) in session.query(CampaignVersion.slug)
         .filter(CampaignVersion.id.in_([p.campaign_id for p in participants])).all()}
    )
    held = bool(ids)
    if ids:
        session.query(Response).filter(Response.participant_id.in_(ids)).delete(synchronize_session=False)
        session.query(ConsentRecord).filter(ConsentRecord.participant_id.in_(ids)).delete(
            synchronize_session=False
        )
        session.query(Participant).filter(Participant.id.in_(ids)).delete(synchronize_session=False)
    if not keep_contact:  # kept only until the confirmation is sent (OutboxMessage)
        held |= bool(session.query(Contact).filter_by(pseudonym=pseudonym).delete(synchronize_session=False))
    # Message texts are theirs too; so are the invitations, audience groups and the record of
    # where their consent to be contacted came from.
    for table in (OutboxMessage, Invitation, ContactGroupMember, ContactSource, InboxClaim):
        held |= bool(session.query(table).filter_by(pseudonym=pseudonym).delete(synchronize_session=False))
    inbox = session.query(InboxMessage).filter(InboxMessage.pseudonym == pseudonym)
    if keep_inbox_id is not None:
        inbox = inbox.filter(InboxMessage.id != keep_inbox_id)
        session.query(InboxMessage).filter_by(id=keep_inbox_id, pseudonym=pseudonym).update(
            {"body": "", "tracked_at": utcnow()},  # the words were theirs too, and
            synchronize_session=False)  # nothing of it may reach the tracker again
    held |= bool(inbox.delete(synchronize_session=False))
    if include_tracker:
        held |= bool(delete_tracker_events(session, pseudonym))
    for slug in (slugs or [None]) if record else ():
        session.add(Erasure(campaign_slug=slug, requested_by=requested_by))
    return held
