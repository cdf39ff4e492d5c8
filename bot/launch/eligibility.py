"""Who may be sent an invitation: one rule, in one wording, for the launch that plans the
invitations (`engage campaign launch`, its dry run) and for the conversation service that
sends each one (the last guard: things change between the two).

Reasons are in the words staff see, in the dry run, the launch's summary and `engage campaign
status`. The first reason that applies is the one given.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.language import endonym
from bot.outbound.providers import CHANNEL_WORDS
from bot.stages import stages_of
from bot.store.models import CampaignVersion, Contact, Participant

WHATSAPP = "twilio_whatsapp"

ERASED = "no contact details any more (erased)"
OPTED_OUT = "opted out (said STOP)"
CAMPAIGN_CLOSED = "the campaign is closed"
TAKING_PART = "already taking part in this campaign"
SAID_NO = "already said no to this campaign"
TELEGRAM_NEVER_WROTE = ("on Telegram but never wrote to the bot (Telegram lets a bot write "
                        "only to people who have started it)")


def other_channel(channel: str) -> str:
    return f"not on {CHANNEL_WORDS.get(channel, channel)}, the channel chosen"


def not_invitable(channel: str) -> str:
    return f"on a channel invitations cannot use ({channel})"


def no_template(language: str) -> str:
    return (f"on WhatsApp, and the campaign has no WhatsApp invitation template for "
            f"{endonym(language)} ({language}): WhatsApp only lets a business write first with "
            "an approved template (the campaign file's invitation: whatsapp: content_sid)")


def invitation_template(campaign: Campaign, language: str) -> str | None:
    """The approved WhatsApp Content template (HX...) that carries the invitation."""
    return (campaign.invitation_whatsapp or {}).get(language)


def invitation_language(campaign: Campaign, known: str | None) -> str:
    """The language an invitation is written in: the resident's, if the campaign has it,
    else the campaign's first (whose menu then offers the others)."""
    return known if known in campaign.languages else campaign.default_language


def campaign_statuses(session: Session, pseudonym: str, slug: str,
                      again: bool = False) -> set[str]:
    """The statuses of their participations in any version of `slug`. For a re-invitation
    (`again`), a participation they never replied in does not count."""
    rows = (session.query(Participant.status, Participant.consent, Participant.last_message_at)
            .join(CampaignVersion, CampaignVersion.id == Participant.campaign_id)
            .filter(Participant.pseudonym == pseudonym, CampaignVersion.slug == slug))
    return {status for status, consent, wrote_at in rows
            if not (again and not stages_of(consent, status, wrote_at))}


def why_not_invite(contact: Contact | None, campaign: Campaign, *,
                   statuses: set[str] | None = None, closed: bool = False,
                   only_channel: str | None = None, invited_before: str | None = None,
                   telegram_wrote: bool | None = None) -> str | None:
    """Why this contact is not to be invited to `campaign`, or None.

    `statuses`: their participations in the campaign (campaign_statuses). The launch also
    gives what only it knows: `only_channel` (--channel), `invited_before` (the reason, when
    an invitation of theirs was sent) and `telegram_wrote` (None: not known, not checked).
    """
    if contact is None:
        return ERASED
    if only_channel is not None and contact.channel != only_channel:
        return other_channel(only_channel)
    if contact.opted_out_at is not None:
        return OPTED_OUT
    if invited_before is not None:
        return invited_before
    if closed:
        return CAMPAIGN_CLOSED
    if statuses:
        return SAID_NO if statuses == {"declined"} else TAKING_PART
    if contact.channel == "telegram" and telegram_wrote is False:
        return TELEGRAM_NEVER_WROTE
    if contact.channel not in CHANNEL_WORDS:
        return not_invitable(contact.channel)
    if contact.channel == WHATSAPP:
        language = invitation_language(campaign, contact.language)
        if invitation_template(campaign, language) is None:
            return no_template(language)
    return None
