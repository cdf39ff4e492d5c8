"""Tables. Rasa's own `events` table (the tracker store) lives beside these in the same database."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _is_test_participation(context: Any) -> bool:
    from bot.test_senders import is_test_pseudonym

    return is_test_pseudonym(context.get_current_parameters().get("pseudonym"))


class CampaignVersion(Base):
    """One published version of a campaign. Immutable once anyone has taken part."""

    __tablename__ = "campaign_versions"
    __table_args__ = (sa.UniqueConstraint("slug", "version", name="uq_campaign_slug_version"),)

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(64), nullable=False, index=True)
    version = sa.Column(sa.Integer, nullable=False)
    definition = sa.Column(sa.JSON, nullable=False)
    checksum = sa.Column(sa.String(64), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default="live")
    published_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class CampaignDraft(Base):
    """A campaign file saved in the console and not (or not yet in this form) published:
    its text as staff wrote it, comments included. Only a draft without errors is stored."""

    __tablename__ = "campaign_drafts"

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(64), nullable=False, unique=True)  # the file's `id`
    source = sa.Column(sa.Text, nullable=False)
    saved_by = sa.Column(sa.String(128), nullable=False)
    saved_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    published_version = sa.Column(sa.Integer)  # the version this text was last published as
    published_at = sa.Column(sa.DateTime)


class Participant(Base):
    """A resident's part in one campaign version, known only by pseudonym."""

    __tablename__ = "participants"
    # One participation per resident per campaign version. A unique index, not a table
    # constraint: SQLite can add an index without rebuilding the table (dropping the old
    # table would cascade to every answer and consent record).
    __table_args__ = (
        sa.Index("uq_participant_version", "pseudonym", "campaign_id", unique=True),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    pseudonym = sa.Column(sa.String(64), nullable=False, index=True)
    campaign_id = sa.Column(sa.Integer, sa.ForeignKey("campaign_versions.id"), nullable=False)
    channel = sa.Column(sa.String(32), nullable=False)
    language = sa.Column(sa.String(8), nullable=False)
    phase = sa.Column(sa.String(32), nullable=False)
    consent = sa.Column(sa.String(16), nullable=False, default="none")
    status = sa.Column(sa.String(16), nullable=False, default="in_progress")
    state = sa.Column(sa.JSON, nullable=False)
    started_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    completed_at = sa.Column(sa.DateTime)
    reminded_at = sa.Column(sa.DateTime)  # the one reminder, when it was queued
    # When the resident's own message was last handled: "started" and retention's activity.
    # Invitations and reminders never set it (updated_at moves with every change).
    last_message_at = sa.Column(sa.DateTime)
    # A console "Try it" conversation (bot/test_senders.py): never counted anywhere, deleted
    # when the officer leaves or soon after. Set from the pseudonym on every insert.
    is_test = sa.Column(sa.Boolean, nullable=False, default=_is_test_participation,
                        server_default=sa.false())

    campaign = relationship("CampaignVersion", lazy="joined")


class ConsentRecord(Base):
    """What the resident agreed to (or declined): which text version, when, on which channel."""

    __tablename__ = "consent_records"

    id = sa.Column(sa.Integer, primary_key=True)
    participant_id = sa.Column(
        sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    campaign_id = sa.Column(sa.Integer, sa.ForeignKey("campaign_versions.id"), nullable=False)
    consent_version = sa.Column(sa.String(64), nullable=False)
    decision = sa.Column(sa.String(16), nullable=False)
    channel = sa.Column(sa.String(32), nullable=False)
    language = sa.Column(sa.String(8), nullable=False)
    decided_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    withdrawn_at = sa.Column(sa.DateTime)


class Response(Base):
    """One consented answer: raw text as sent, and the normalised value the engine parsed."""

    __tablename__ = "responses"
    __table_args__ = (sa.UniqueConstraint("participant_id", "step_id", name="uq_response_step"),)

    id = sa.Column(sa.Integer, primary_key=True)
    participant_id = sa.Column(
        sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
    )
    campaign_id = sa.Column(sa.Integer, sa.ForeignKey("campaign_versions.id"), nullable=False)
    step_id = sa.Column(sa.String(64), nullable=False)
    raw_text = sa.Column(sa.Text, nullable=False)
    value = sa.Column(sa.JSON)
    skipped = sa.Column(sa.Boolean, nullable=False, default=False)
    language = sa.Column(sa.String(8), nullable=False)
    answered_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


sa.Index("ix_responses_campaign_step", Response.campaign_id, Response.step_id)


class Contact(Base):
    """The contact vault: the only place a phone number or chat id is kept, encrypted."""

    __tablename__ = "contacts"

    id = sa.Column(sa.Integer, primary_key=True)
    pseudonym = sa.Column(sa.String(64), nullable=False, unique=True)
    channel = sa.Column(sa.String(32), nullable=False)
    address_encrypted = sa.Column(sa.LargeBinary, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    opted_out_at = sa.Column(sa.DateTime)
    # The language the resident asked for when they agreed to be contacted (import), if known.
    language = sa.Column(sa.String(8))
    # Keyed HMAC of a Telegram @username, so staff can erase by username; never the name itself.
    handle_digest = sa.Column(sa.String(64), index=True)


class Erasure(Base):
    """The bare fact that data was erased: no pseudonym, no contact, no answers."""

    __tablename__ = "erasures"

    id = sa.Column(sa.Integer, primary_key=True)
    campaign_slug = sa.Column(sa.String(64))
    requested_by = sa.Column(sa.String(16), nullable=False)
    erased_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class InboxMessage(Base):
    """Every inbound provider message, recorded once (by the provider's id) before processing.

    A message stays `pending` until the action has applied it, in the same transaction as the
    conversation's changes, so a failure anywhere leaves it here to be replayed, in order.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        sa.UniqueConstraint("provider", "provider_message_id", name="uq_inbox_provider_id"),
        sa.Index("ix_inbox_pseudonym_id", "pseudonym", "id"),
        sa.Index("ix_inbox_status", "status"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    provider = sa.Column(sa.String(16), nullable=False)
    provider_message_id = sa.Column(sa.String(128), nullable=False)
    channel = sa.Column(sa.String(32), nullable=False)
    pseudonym = sa.Column(sa.String(64), nullable=False)
    kind = sa.Column(sa.String(16), nullable=False, default="text")
    body = sa.Column(sa.Text, nullable=False, default="")
    status = sa.Column(sa.String(16), nullable=False, default="pending")
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text)
    received_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    processed_at = sa.Column(sa.DateTime)
    # When Rasa's tracker store wrote this message's turn: once, whichever replica ran it.
    tracked_at = sa.Column(sa.DateTime)


class InboxClaim(Base):
    """Which process is handing this resident's inbox messages to Rasa, until when.

    One row per resident being processed, taken with an atomic upsert and deleted when done,
    so across Rasa replicas one resident's messages go to Rasa one at a time, in order; a
    process that dies leaves a claim that others may take once it expires (bot/inbox.py)."""

    __tablename__ = "inbox_claims"

    pseudonym = sa.Column(sa.String(64), primary_key=True)
    owner = sa.Column(sa.String(100), nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False)


class OutboxMessage(Base):
    """Every outbound message: queued by the action with the turn that produced it, then sent
    (with retries) by the channel's sender. `dedupe_key` makes each send idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_pseudonym_id", "pseudonym", "id"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(32), nullable=False)
    pseudonym = sa.Column(sa.String(64), nullable=False)
    body = sa.Column(sa.Text, nullable=False)
    buttons = sa.Column(sa.JSON)
    template = sa.Column(sa.String(64))
    # The erasure confirmation: once it is sent (or finally fails), the vault entry goes too.
    forget_contact_after = sa.Column(sa.Boolean, nullable=False, default=False)
    # A campaign-initiated message (invitation, reminder): held during the quiet hours of this
    # time zone. Replies to a resident's own message have none and are never held.
    quiet_tz = sa.Column(sa.String(64))
    quiet_hours = sa.Column(sa.String(11))  # that campaign's window, "21:00-08:00"; None: default
    dedupe_key = sa.Column(sa.String(128), unique=True)
    inbox_id = sa.Column(sa.Integer, sa.ForeignKey("inbox.id", ondelete="SET NULL"))
    status = sa.Column(sa.String(16), nullable=False, default="queued")
    provider_message_id = sa.Column(sa.String(128), index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    sent_at = sa.Column(sa.DateTime)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ContactSource(Base):
    """Where the consent to be contacted came from: one row per import that named a contact."""

    __tablename__ = "contact_sources"

    id = sa.Column(sa.Integer, primary_key=True)
    pseudonym = sa.Column(sa.String(64), nullable=False, index=True)
    source = sa.Column(sa.Text, nullable=False)
    imported_by = sa.Column(sa.String(128), nullable=False)
    imported_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class ContactGroupMember(Base):
    """Audiences: a named group of contacts (by pseudonym) to launch a campaign to."""

    __tablename__ = "contact_group_members"
    __table_args__ = (sa.UniqueConstraint("group_name", "pseudonym", name="uq_group_member"),)

    id = sa.Column(sa.Integer, primary_key=True)
    group_name = sa.Column(sa.String(128), nullable=False, index=True)
    pseudonym = sa.Column(sa.String(64), nullable=False)
    added_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class Launch(Base):
    """One `engage campaign launch`: who launched what, to which audience, how fast, from when."""

    __tablename__ = "launches"

    id = sa.Column(sa.Integer, primary_key=True)
    campaign_id = sa.Column(sa.Integer, sa.ForeignKey("campaign_versions.id"), nullable=False)
    audience = sa.Column(sa.String(256), nullable=False)
    channel = sa.Column(sa.String(32))  # None: every channel in the audience
    rate_per_second = sa.Column(sa.Float)  # None: the channel's own rate
    due_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    created_by = sa.Column(sa.String(128), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class RatePacing(Base):
    """Shared pacing for a channel (GCRA): the earliest time, in epoch seconds, of the next
    free slot. Every worker reserves its slot here, so the rate holds across workers."""

    __tablename__ = "rate_pacing"

    key = sa.Column(sa.String(96), primary_key=True)
    next_free = sa.Column(sa.Float, nullable=False, default=0.0)


def _slug_of_version(context: Any) -> str | None:
    """An invitation's campaign slug, when whoever inserts it names only the version."""
    campaign_id = context.get_current_parameters().get("campaign_id")
    return context.connection.execute(
        sa.select(CampaignVersion.slug).where(CampaignVersion.id == campaign_id)).scalar()


class Invitation(Base):
    """One invitation per campaign (slug, whatever its version) and contact, whatever happens
    to launches and workers; staff may ask for re-invitations (`reinvitation` 1, 2, ...)."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("slug", "pseudonym", "reinvitation",
                                          name="uq_invitation_once"),)

    id = sa.Column(sa.Integer, primary_key=True)
    campaign_id = sa.Column(sa.Integer, sa.ForeignKey("campaign_versions.id"), nullable=False)
    slug = sa.Column(sa.String(64), nullable=False, default=_slug_of_version)
    # 0: the invitation; 1, 2 ...: re-invitations staff asked for (`--reinvite`), or a new try
    # after an invitation that failed before anything was sent.
    reinvitation = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    pseudonym = sa.Column(sa.String(64), nullable=False, index=True)
    channel = sa.Column(sa.String(32), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default="queued")  # queued/sent/failed
    reason = sa.Column(sa.Text)
    due_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    queued_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    sent_at = sa.Column(sa.DateTime)
    reminded_at = sa.Column(sa.DateTime)
    launch_id = sa.Column(sa.Integer, sa.ForeignKey("launches.id"))
    attempts = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    # A worker holds the invitation until then; after it, another worker may take it again.
    claimed_until = sa.Column(sa.DateTime)


sa.Index("ix_invitations_status_due", Invitation.status, Invitation.due_at)


class AuditEntry(Base):
    """Who did what, when: launches, closes, exports, erasures, imports, purges."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    actor = sa.Column(sa.String(128), nullable=False)
    action = sa.Column(sa.String(32), nullable=False)
    subject = sa.Column(sa.String(128))
    details = sa.Column(sa.JSON)


class StaffAccount(Base):
    """A member of staff who signs in to the console. The password is kept only as a scrypt
    hash whose salt and cost parameters travel with it (see bot/staff/passwords.py)."""

    __tablename__ = "staff_accounts"

    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(128), nullable=False, unique=True)  # stored lower-case
    display_name = sa.Column(sa.String(100), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)  # admin, officer or viewer
    password_hash = sa.Column(sa.String(255), nullable=False)
    must_change_password = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    password_changed_at = sa.Column(sa.DateTime)
    disabled_at = sa.Column(sa.DateTime)


class StaffSession(Base):
    """A signed-in console session, kept on the server. The browser holds a random token;
    only its SHA-256 is stored, so a copy of the database signs nobody in."""

    __tablename__ = "staff_sessions"

    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    account_id = sa.Column(sa.Integer, sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_seen_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False)  # absolute: however active

    account = relationship("StaffAccount", lazy="joined")


class StaffSignInFailure(Base):
    """One refused sign-in, counted per email typed and per client address for throttling.
    Rows older than the throttling window are deleted; no password is ever kept."""

    __tablename__ = "staff_sign_in_failures"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    email = sa.Column(sa.String(128), nullable=False, index=True)
    client = sa.Column(sa.String(64), nullable=False, index=True)


# -- deliberation: moderation, themes, public results, "you said, we did" (bot/deliberation) --

class QuoteReview(Base):
    """Staff's decision on one open answer: approved for quoting (with the words to show and
    any translations staff wrote), rejected, or marked as containing personal details. An
    answer with no review is private: nothing shows it to residents or the public."""

    __tablename__ = "quote_reviews"

    id = sa.Column(sa.Integer, primary_key=True)
    response_id = sa.Column(sa.Integer, sa.ForeignKey("responses.id", ondelete="CASCADE"),
                            nullable=False, unique=True)
    status = sa.Column(sa.String(16), nullable=False)  # approved, rejected, personal
    text = sa.Column(sa.Text)  # the words approved (staff may shorten or redact)
    translations = sa.Column(sa.JSON)  # language -> staff's translation of the approved words
    flags = sa.Column(sa.JSON)  # what the personal-data screen found when it was reviewed
    reviewed_by = sa.Column(sa.String(128), nullable=False)
    reviewed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class Theme(Base):
    """A theme of the open answers to one step in one language: found by the offline method
    (`origin` auto, named by its key terms until staff rename it) or made by staff (a split,
    or a theme they tag answers into). A merged theme points at the one it joined."""

    __tablename__ = "themes"
    __table_args__ = (sa.Index("ix_themes_slug_step", "slug", "step_id"),)

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(64), nullable=False)
    step_id = sa.Column(sa.String(80), nullable=False)
    language = sa.Column(sa.String(8), nullable=False)
    origin = sa.Column(sa.String(8), nullable=False, default="auto")  # auto or staff
    terms = sa.Column(sa.JSON)  # the key terms the method found, most telling first
    name = sa.Column(sa.String(200))  # staff's name; None: named by its key terms
    merged_into = sa.Column(sa.Integer, sa.ForeignKey("themes.id", ondelete="SET NULL"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class ThemeAssignment(Base):
    """Which theme one answer is in; `by_staff` assignments (tags, splits) are never changed
    by re-running the method."""

    __tablename__ = "theme_assignments"

    id = sa.Column(sa.Integer, primary_key=True)
    response_id = sa.Column(sa.Integer, sa.ForeignKey("responses.id", ondelete="CASCADE"),
                            nullable=False, unique=True)
    theme_id = sa.Column(sa.Integer, sa.ForeignKey("themes.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    by_staff = sa.Column(sa.Boolean, nullable=False, default=False)
    weight = sa.Column(sa.Float)  # how strongly the method put it there (for quotes)


class FollowUpOptIn(Base):
    """A resident asked to hear what happened as a result (asked at the end, apart from
    consent to take part). Goes with the participation (erasure, retention)."""

    __tablename__ = "follow_up_opt_ins"

    id = sa.Column(sa.Integer, primary_key=True)
    participant_id = sa.Column(sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"),
                               nullable=False, unique=True)
    language = sa.Column(sa.String(8), nullable=False)
    opted_in_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class FollowUp(Base):
    """Staff's "you said, we did" message for a campaign, in each of its languages."""

    __tablename__ = "follow_ups"

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(64), nullable=False, index=True)
    messages = sa.Column(sa.JSON, nullable=False)  # language -> text
    whatsapp = sa.Column(sa.JSON)  # language -> approved Content template (HX...)
    created_by = sa.Column(sa.String(128), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class FollowUpSend(Base):
    """One follow-up to one opted-in resident: queued for the worker, then sent or failed
    (with the reason), like an invitation; unique, so nobody gets the same one twice."""

    __tablename__ = "follow_up_sends"
    __table_args__ = (sa.UniqueConstraint("follow_up_id", "pseudonym", name="uq_follow_up_once"),)

    id = sa.Column(sa.Integer, primary_key=True)
    follow_up_id = sa.Column(sa.Integer, sa.ForeignKey("follow_ups.id", ondelete="CASCADE"),
                             nullable=False)
    participant_id = sa.Column(sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"),
                               nullable=False)
    pseudonym = sa.Column(sa.String(64), nullable=False, index=True)
    channel = sa.Column(sa.String(32), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default="queued")  # queued/sent/failed
    reason = sa.Column(sa.Text)
    due_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    claimed_until = sa.Column(sa.DateTime)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    sent_at = sa.Column(sa.DateTime)


class PublicResult(Base):
    """The published, read-only copy of a campaign's results for the public page: figures
    already protected by the small-number rule (no quotes: those are PublicQuote rows, which
    go when their answer is erased or purged)."""

    __tablename__ = "public_results"

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(64), nullable=False, unique=True)
    content = sa.Column(sa.JSON, nullable=False)
    published_by = sa.Column(sa.String(128), nullable=False)
    published_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class PublicQuote(Base):
    """An approved quote on a published page, tied to its answer so that erasure and
    retention take it off the page."""

    __tablename__ = "public_quotes"

    id = sa.Column(sa.Integer, primary_key=True)
    public_result_id = sa.Column(sa.Integer,
                                 sa.ForeignKey("public_results.id", ondelete="CASCADE"),
                                 nullable=False, index=True)
    response_id = sa.Column(sa.Integer, sa.ForeignKey("responses.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    step_id = sa.Column(sa.String(80), nullable=False)
    theme = sa.Column(sa.String(200))
    text = sa.Column(sa.Text, nullable=False)
    language = sa.Column(sa.String(8), nullable=False)
    translations = sa.Column(sa.JSON)
    position = sa.Column(sa.Integer, nullable=False, default=0)
