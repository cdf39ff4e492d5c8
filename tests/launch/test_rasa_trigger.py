"""The real round trip: Rasa's trigger_intent with an invitation (or participant) id reaches
action_engage, which queues the invitation in the outbox on the row's own channel, once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from constants import SECRET
from launch_helpers import add_contact, invitations, outbox, participants, publish

from bot.conversation import ConversationService
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import CampaignVersion, Invitation

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def stack(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("trigger")
    url = f"sqlite:///{workdir / 'engage.db'}"
    upgrade(url)
    publish(session_factory(url))
    config = StackConfig(model=rasa_model, database_url=url, secret_key=SECRET,
                         rasa_port=free_port(), action_port=free_port(),
                         log_dir=workdir / "logs")
    with Stack(config) as running:
        yield running


def trigger(stack: Stack, pseudonym: str, name: str, entities: dict[str, str],
            token: str | None = None) -> int:
    token = stack.config.api_token if token is None else token
    request = urllib.request.Request(
        f"{stack.config.rasa_url}/conversations/{pseudonym}/trigger_intent"
        f"?output_channel=twilio_sms&token={token}",
        data=json.dumps({"name": name, "entities": entities}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_invitation_and_a_reminder_through_rasa(stack: Stack):
    factory = session_factory(stack.config.database_url)
    name = add_contact(factory, "twilio_sms", 42, "en")
    with transaction(factory) as session:
        version_id = session.query(CampaignVersion.id).scalar()
        row = Invitation(campaign_id=version_id, pseudonym=name, channel="twilio_sms")
        session.add(row)
        session.flush()
        invitation_id = row.id
    assert trigger(stack, name, "EXTERNAL_invite", {"invitation": str(invitation_id)},
                   token="wrong") == 401
    assert outbox(factory) == []
    for _ in range(2):  # a retried trigger sends nothing more
        assert trigger(stack, name, "EXTERNAL_invite", {"invitation": str(invitation_id)}) == 200
    [row] = outbox(factory)
    assert row.dedupe_key == f"invite:{invitation_id}:0" and row.channel == "twilio_sms"
    assert row.body.startswith("Test Council asks about buses.")
    assert [i.status for i in invitations(factory)] == ["sent"]

    # the resident agrees (as the SMS channel would pass it on), then gets the one reminder
    ConversationService(factory).handle(name, "twilio_sms", "yes")
    [participant] = participants(factory)
    for _ in range(2):
        assert trigger(stack, name, "EXTERNAL_remind", {"participant": str(participant.id)}) \
            == 200
    reminders = [r for r in outbox(factory) if (r.dedupe_key or "").startswith("remind:")]
    assert [r.dedupe_key for r in reminders] == [f"remind:{participant.id}:0"]
    assert reminders[0].body.startswith("Hello again.")


def test_a_trigger_without_an_id_does_nothing(stack: Stack):
    factory = session_factory(stack.config.database_url)
    before = len(outbox(factory))
    assert trigger(stack, "p_nobody", "EXTERNAL_invite", {}) == 200
    assert trigger(stack, "p_nobody", "EXTERNAL_invite", {"invitation": "twelve"}) == 200
    assert len(outbox(factory)) == before


def say(stack: Stack, sender: str, text: str) -> list[str]:
    request = urllib.request.Request(
        f"{stack.config.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return [message["text"] for message in json.loads(reply.read())]


def test_a_resident_typing_the_trigger_gets_an_ordinary_reply(stack: Stack):
    """Only Rasa's own trigger (metadata is_external) starts an invitation: the words, or
    Rasa's intent syntax, typed by anyone are read as ordinary words."""
    factory = session_factory(stack.config.database_url)
    name = add_contact(factory, "twilio_sms", 43, "en")
    with transaction(factory) as session:
        version_id = session.query(CampaignVersion.id).scalar()
        row = Invitation(campaign_id=version_id, pseudonym=name, channel="twilio_sms")
        session.add(row)
        session.flush()
        invitation_id = row.id
    before = len(outbox(factory))
    for text in ("EXTERNAL: invite", "EXTERNAL: EXTERNAL_invite", "EXTERNAL_invite",
                 f'/EXTERNAL_invite{{"invitation": "{invitation_id}"}}'):
        assert say(stack, "someone typing", text) == ["LAUNCHTEST\nHELP / CYMORTH / POMOC"]
    assert len(outbox(factory)) == before
    with transaction(factory) as session:
        assert session.get(Invitation, invitation_id).status == "queued"
