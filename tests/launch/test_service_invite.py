"""ConversationService.invite and .remind: one transaction each, never twice (also from two
threads at once, on SQLite and PostgreSQL), and a plain reason whenever an invitation fails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from launch_helpers import (
    SLUG,
    TEMPLATE_CY,
    TEMPLATE_EN,
    add_contact,
    campaign,
    invitations,
    outbox,
    participants,
    publish,
)

from bot.catalogue import Catalogue
from bot.conversation import ConversationService
from bot.engine import phrase
from bot.launch.eligibility import CAMPAIGN_CLOSED, ERASED, OPTED_OUT, SAID_NO, TAKING_PART
from bot.store.db import session_factory, transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import CampaignVersion, Contact, Invitation, Participant, utcnow


def service(factory) -> ConversationService:
    return ConversationService(factory, Catalogue(check_every=0))


def invitation(factory, name: str, channel: str, version_id: int) -> int:
    with transaction(factory) as session:
        row = Invitation(campaign_id=version_id, pseudonym=name, channel=channel)
        session.add(row)
        session.flush()
        return row.id


def invite_new(factory, channel: str = "twilio_sms", number: int = 1,
               language: str | None = "en", **publish_changes) -> tuple[str, int]:
    version = publish(factory, **publish_changes)
    name = add_contact(factory, channel, number, language, wrote=channel == "telegram")
    return name, invitation(factory, name, channel, version)


def test_an_invitation_asks_consent_in_the_contact_s_language(factory):
    name, invitation_id = invite_new(factory, language="cy")
    result = service(factory).invite(invitation_id)
    text = campaign().consent_text["cy"]
    assert result.queued and len(result.messages) == 1
    [row] = outbox(factory)
    assert row.pseudonym == name and row.channel == "twilio_sms"
    assert row.body.startswith("Hoffai Cyngor Prawf glywed")  # cy consent names nobody
    assert text in row.body
    assert row.dedupe_key == f"invite:{invitation_id}:0"
    assert row.quiet_tz == "Europe/London" and row.inbox_id is None
    assert row.quiet_hours == "21:00-08:00"  # the campaign's window travels with the row
    assert row.buttons == ["Ie", "Na"] and row.template is None
    [sent] = invitations(factory)
    assert sent.status == "sent" and sent.sent_at is not None and sent.reason is None
    [participant] = participants(factory)
    assert (participant.pseudonym, participant.channel, participant.language) == \
        (name, "twilio_sms", "cy")
    assert participant.phase == "awaiting_consent" and participant.status == "in_progress"


def test_an_unknown_language_gets_the_menu_with_who_is_asking(factory):
    _, invitation_id = invite_new(factory, language=None)
    service(factory).invite(invitation_id)
    [row] = outbox(factory)
    assert row.body == ("Test Council would like to hear from local people about: Buses.\n"
                        "Choose your language:\n1 English\n2 Cymraeg\n3 Polski")


def test_the_resident_s_reply_continues_the_invited_conversation(factory):
    name, invitation_id = invite_new(factory, language="en")
    convo = service(factory)
    convo.invite(invitation_id)
    reply = convo.handle(name, "twilio_sms", "yes")
    assert reply.messages[0].startswith("How do you travel?")
    [participant] = participants(factory)
    assert participant.consent == "given" and participant.phase == "in_step"


def test_inviting_twice_queues_one_set_of_messages(factory):
    _, invitation_id = invite_new(factory)
    convo = service(factory)
    assert convo.invite(invitation_id).messages
    again = convo.invite(invitation_id)
    assert again.messages == [] and not again.queued
    assert len(outbox(factory)) == 1 and len(participants(factory)) == 1


def test_an_unknown_invitation_is_a_no_op(factory):
    publish(factory)
    assert service(factory).invite(12345).messages == []
    assert outbox(factory) == []


@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_invites_send_once(db_url, threads):
    factory = session_factory(db_url)
    _, invitation_id = invite_new(factory)
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        convo = service(session_factory(db_url))
        barrier.wait()
        try:
            convo.invite(invitation_id)
        except BaseException as error:  # noqa: BLE001 reported below
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert [row.dedupe_key for row in outbox(factory)] == [f"invite:{invitation_id}:0"]
    assert len(participants(factory)) == 1
    assert [row.status for row in invitations(factory)] == ["sent"]


def test_opted_out_contacts_are_not_invited(factory):
    version = publish(factory)
    name = add_contact(factory, "twilio_sms", 1, "en", opted_out=True)
    invitation_id = invitation(factory, name, "twilio_sms", version)
    assert service(factory).invite(invitation_id).messages == []
    [failed] = invitations(factory)
    assert (failed.status, failed.reason) == ("failed", OPTED_OUT)
    assert outbox(factory) == [] and participants(factory) == []


def test_erased_contacts_are_not_invited(factory):
    name, invitation_id = invite_new(factory)
    with transaction(factory) as session:
        erase_pseudonym(session, name, "staff", include_tracker=False)
    assert invitations(factory) == []  # erasure takes the invitation too
    assert service(factory).invite(invitation_id).messages == []
    assert outbox(factory) == [] and participants(factory) == []


def test_a_contact_gone_from_the_vault_fails_the_invitation_with_the_reason(factory):
    name, invitation_id = invite_new(factory)
    with transaction(factory) as session:  # e.g. the retention purge took the address
        session.query(Contact).filter_by(pseudonym=name).delete()
    service(factory).invite(invitation_id)
    assert [(row.status, row.reason) for row in invitations(factory)] == [("failed", ERASED)]
    assert outbox(factory) == []


def test_a_closed_campaign_sends_no_invitation(factory):
    _, invitation_id = invite_new(factory)
    convo = service(factory)
    with transaction(factory) as session:
        session.query(CampaignVersion).update({"status": "closed"})
    convo.invite(invitation_id)
    assert [(row.status, row.reason) for row in invitations(factory)] == \
        [("failed", CAMPAIGN_CLOSED)]


@pytest.mark.parametrize(("script", "reason"), [
    (["LAUNCHTEST"], TAKING_PART),
    (["LAUNCHTEST", "1", "no"], SAID_NO),
])
def test_someone_already_in_the_campaign_is_not_invited(factory, script, reason):
    name, invitation_id = invite_new(factory)
    convo = service(factory)
    for text in script:
        convo.handle(name, "twilio_sms", text)
    sent_before = len(outbox(factory))
    convo.invite(invitation_id)
    assert [(row.status, row.reason) for row in invitations(factory)] == [("failed", reason)]
    assert len(outbox(factory)) == sent_before and len(participants(factory)) == 1


@pytest.mark.parametrize(("language", "template"), [("en", TEMPLATE_EN), ("cy", TEMPLATE_CY),
                                                    (None, TEMPLATE_EN)])
def test_a_whatsapp_invitation_is_the_campaign_s_template(factory, language, template):
    _, invitation_id = invite_new(factory, "twilio_whatsapp", language=language)
    service(factory).invite(invitation_id)
    [row] = outbox(factory)
    assert row.template == template and row.channel == "twilio_whatsapp"
    assert row.buttons is None  # the whole message is the template's one variable


def test_a_whatsapp_invitation_without_a_template_fails_and_says_why(factory):
    _, invitation_id = invite_new(factory, "twilio_whatsapp", language="pl")
    service(factory).invite(invitation_id)
    [failed] = invitations(factory)
    assert failed.status == "failed"
    assert "no WhatsApp invitation template for Polski (pl)" in failed.reason
    assert "approved template" in failed.reason
    assert outbox(factory) == [] and participants(factory) == []


def test_a_telegram_invitation_has_buttons(factory):
    _, invitation_id = invite_new(factory, "telegram", language="en")
    service(factory).invite(invitation_id)
    [row] = outbox(factory)
    assert row.buttons == ["Yes", "No"] and row.template is None


# -- reminders --------------------------------------------------------------------------------

def consented(factory, channel: str = "twilio_sms", **publish_changes) -> tuple[str, int]:
    """A resident invited who agreed and is on the first question."""
    name, invitation_id = invite_new(factory, channel, **publish_changes)
    convo = service(factory)
    convo.invite(invitation_id)
    convo.handle(name, channel, "yes")
    [participant] = participants(factory)
    return name, participant.id


def test_a_reminder_repeats_the_question_once(factory):
    name, participant_id = consented(factory)
    before = len(outbox(factory))
    convo = service(factory)
    result = convo.remind(participant_id)
    assert result.queued
    row = outbox(factory)[before]
    assert row.body == f"{phrase('reminder', 'en')}\nHow do you travel?\n1 Bus\n2 Walk"
    assert row.dedupe_key == f"remind:{participant_id}:0" and row.quiet_tz == "Europe/London"
    assert row.buttons == ["1 Bus", "2 Walk"]
    [participant] = participants(factory)
    assert participant.reminded_at is not None and participant.phase == "in_step"
    assert convo.remind(participant_id).messages == []
    assert len(outbox(factory)) == before + 1


def test_reminders_from_two_threads_send_once(db_url):
    factory = session_factory(db_url)
    _, participant_id = consented(factory)
    barrier = threading.Barrier(2)

    def run() -> None:
        convo = service(session_factory(db_url))
        barrier.wait()
        convo.remind(participant_id)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    keys = [row.dedupe_key for row in outbox(factory) if (row.dedupe_key or "").startswith("remind:")]
    assert keys == [f"remind:{participant_id}:0"]


def test_the_reminder_keeps_when_the_resident_last_wrote(factory):
    """Activity is the resident's own messages: a reminder changes the row (reminded_at, so
    updated_at too) but not last_message_at, which retention and "started" read."""
    _, participant_id = consented(factory)
    with transaction(factory) as session:
        before = session.get(Participant, participant_id).last_message_at
    assert before is not None
    service(factory).remind(participant_id)
    with transaction(factory) as session:
        after = session.get(Participant, participant_id)
        assert after.reminded_at is not None
        assert after.last_message_at == before


def test_an_invitation_is_not_the_resident_writing(factory):
    name, invitation_id = invite_new(factory)
    convo = service(factory)
    convo.invite(invitation_id)
    [participant] = participants(factory)
    assert participant.last_message_at is None  # enrolled, but has not written
    convo.handle(name, "twilio_sms", "yes")
    [participant] = participants(factory)
    assert participant.last_message_at is not None


def no_reminder(factory, participant_id: int) -> None:
    before = len(outbox(factory))
    assert service(factory).remind(participant_id).messages == []
    assert len(outbox(factory)) == before
    with transaction(factory) as session:
        assert session.get(Participant, participant_id).reminded_at is None


def test_no_reminder_after_stop(factory):
    name, participant_id = consented(factory)
    service(factory).handle(name, "twilio_sms", "STOP")
    no_reminder(factory, participant_id)


def test_no_reminder_once_finished(factory):
    name, participant_id = consented(factory)
    for text in ("1", "more buses"):
        service(factory).handle(name, "twilio_sms", text)
    no_reminder(factory, participant_id)


def test_no_reminder_before_consent(factory):
    name, invitation_id = invite_new(factory)
    service(factory).invite(invitation_id)
    [participant] = participants(factory)
    no_reminder(factory, participant.id)


def test_no_reminder_when_the_contact_opted_out_elsewhere(factory):
    name, participant_id = consented(factory)
    with transaction(factory) as session:
        session.query(Contact).filter_by(pseudonym=name).update({"opted_out_at": utcnow()})
    no_reminder(factory, participant_id)


def test_no_reminder_when_the_campaign_has_none(factory):
    definition_without = {"reminder": None}
    _, participant_id = consented(factory, **definition_without)
    assert campaign(**definition_without).reminder_after_hours is None
    no_reminder(factory, participant_id)


def test_no_reminder_in_a_closed_campaign(factory):
    _, participant_id = consented(factory)
    with transaction(factory) as session:
        session.query(CampaignVersion).update({"status": "closed"})
    no_reminder(factory, participant_id)


def test_no_reminder_for_an_unknown_participant(factory):
    publish(factory)
    assert service(factory).remind(999).messages == []


def test_reminded_at_is_the_time_it_was_queued(factory):
    _, participant_id = consented(factory)
    started = utcnow() - timedelta(seconds=1)
    service(factory).remind(participant_id)
    [participant] = [p for p in participants(factory) if p.id == participant_id]
    assert started <= participant.reminded_at <= utcnow()
    assert SLUG == participant.campaign.slug


@pytest.mark.parametrize("why", ["said STOP", "already in", "no template"])
def test_the_dry_run_and_the_invitation_give_the_same_reason(factory, why):
    """One rule in one wording: what the dry run says about a contact is what the invitation
    says when the service refuses it (the state changed after the launch was planned)."""
    from launch_helpers import GROUP

    from bot.launch.planning import plan_launch

    version = publish(factory)
    channel, language = ("twilio_whatsapp", "pl") if why == "no template" else ("twilio_sms", "en")
    name = add_contact(factory, channel, 1, language)
    invitation_id = invitation(factory, name, channel, version)
    if why == "said STOP":
        with transaction(factory) as session:
            session.query(Contact).filter_by(pseudonym=name).update({"opted_out_at": utcnow()})
    elif why == "already in":
        service(factory).handle(name, "twilio_sms", "LAUNCHTEST")
    session = factory()
    try:
        [(planned, _)] = plan_launch(session, SLUG, GROUP).excluded.items()
    finally:
        session.close()
    service(factory).invite(invitation_id)
    refused = next(row for row in invitations(factory) if row.id == invitation_id)
    assert (refused.status, refused.reason) == ("failed", planned)
