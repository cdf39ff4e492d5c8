"""Try it: staff talk to the running bot as a resident would, on a throwaway sender.

Why through the Rasa server's REST channel (the one `engage run` starts), and not by calling
the conversation service here: a message then takes the whole path a resident's does, the
channel's cleaning, Rasa's NLU with the same model (so "yes please" or "stop texting me" are
understood or not, exactly as for residents), the rules, the authenticated action server,
`ConversationService` and the tracker store. Nothing of that is copied into the console. The
one difference is the last hop: a real resident's replies go through the outbox to their
provider; these come back over HTTP, as text (the preview shows each channel's form).

The sender is `console-test:<tag>` (bot.test_senders), its pseudonym `test-<tag>`: so its
participation is marked `is_test` and counts nowhere (results, reach, status, exports,
others' reflect tallies), and the console can delete everything stored for it without the
secret key. The tag is derived from the staff member's session and the campaign, so nobody
else can reach their conversation. It is deleted when they end it, when they sign out, and
by `sweep` once it has been idle for a while.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.erase import RASA_EVENTS_TABLE, erase_pseudonym
from bot.store.models import CampaignVersion, Contact, Participant
from bot.test_senders import TEST_PSEUDONYM_PREFIX, pseudonym_for, sender_for

DEFAULT_EXPIRY = timedelta(minutes=30)
MAX_MESSAGE = 2000  # a resident's message is cut at 5,000 by the channel; nobody tests more
TIMEOUT_SECONDS = 30.0


class SimulatorUnavailable(RuntimeError):
    """The bot could not be reached or refused; the message says what to do, for staff."""


@dataclass(frozen=True)
class Line:
    """One message of the conversation: from the tester ("you") or the bot."""

    by: str  # "you" or "bot"
    text: str


def tag_for(session_secret: str, slug: str) -> str:
    """The throwaway sender's tag for this staff session and campaign: stable while the
    session lasts, unguessable without it (the session's CSRF secret, hashed)."""
    return hashlib.sha256(f"try-it:{session_secret}:{slug}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RestChannel:
    """The Rasa server's REST channel, with its bearer token when it has one."""

    url: str  # e.g. http://127.0.0.1:5005
    token: str | None = None
    timeout: float = TIMEOUT_SECONDS

    def send(self, tag: str, text: str) -> list[str]:
        """Send one message as the test sender; the bot's replies, in order."""
        body = json.dumps({"sender": sender_for(tag), "message": text[:MAX_MESSAGE]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"{self.url.rstrip('/')}/webhooks/rest/webhook",
                                         data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                answer = json.loads(reply.read())
        except urllib.error.HTTPError as error:
            raise SimulatorUnavailable(_refusal(error.code)) from None
        except (urllib.error.URLError, OSError, ValueError):
            raise SimulatorUnavailable(
                f"The bot is not answering at {self.url}. Is it running? (`make run` starts "
                "it.) Try again in a minute.") from None
        return [str(item.get("text", "")) for item in answer if isinstance(item, dict)]


def _refusal(status: int) -> str:
    if status == 403:
        return ("The bot refused the console: its REST channel wants a token. Start the "
                "console with the same ENGAGE_REST_TOKEN as the bot.")
    if status == 404:
        return ("The bot's REST channel is turned off on this server (ENGAGE_REST_CHANNEL), "
                "so it cannot be tried from the console.")
    if status == 503:
        return "The bot cannot reach its database just now. Try again in a minute."
    return f"The bot answered with an error ({status}). Try again; if it goes on, tell an administrator."


def transcript(session: Session, tag: str) -> list[Line]:
    """The conversation as Rasa's tracker store recorded it, oldest first (the same
    database). Empty once it has been deleted (also when the tester asked the bot to delete
    their data: the bot erases it like any resident's)."""
    if not sa.inspect(session.get_bind()).has_table(RASA_EVENTS_TABLE):
        return []
    rows = session.execute(sa.text(
        f"SELECT type_name, data FROM {RASA_EVENTS_TABLE} WHERE sender_id = :sender "
        "AND type_name IN ('user', 'bot') ORDER BY id"), {"sender": pseudonym_for(tag)})
    lines = []
    for kind, data in rows:
        try:
            text = json.loads(data or "{}").get("text")
        except ValueError:
            continue
        if isinstance(text, str) and text:
            lines.append(Line("you" if kind == "user" else "bot", text))
    return lines


def delete(session: Session, tag: str) -> bool:
    """Everything stored for this test sender, in every store, as an erasure deletes a
    resident's (without an erasure record: it was never a resident). Whether anything was."""
    return erase_pseudonym(session, pseudonym_for(tag), "console-test", record=False)


def delete_for_session(session: Session, session_secret: str) -> int:
    """Every test conversation of one staff session (they signed out): how many there were."""
    slugs = [slug for (slug,) in session.query(CampaignVersion.slug).distinct()]
    return sum(delete(session, tag_for(session_secret, slug)) for slug in slugs)


def delete_tests_of(session: Session, slug: str) -> int:
    """Every test conversation in any version of one campaign (its text changed under
    them): how many there were."""
    names = {name for (name,) in session.query(Participant.pseudonym)
             .join(CampaignVersion, CampaignVersion.id == Participant.campaign_id)
             .filter(CampaignVersion.slug == slug, Participant.is_test.is_(True))}
    return sum(erase_pseudonym(session, name, "console-test", record=False) for name in names)


def _last_activity(session: Session) -> dict[str, datetime]:
    """Each test sender's latest sign of life: its participations, vault entry, events."""
    prefix = TEST_PSEUDONYM_PREFIX + "%"
    seen: dict[str, datetime] = {}

    def note(name: str, moment: datetime | None) -> None:
        if moment is not None and (name not in seen or moment > seen[name]):
            seen[name] = moment

    for name, moment in session.query(Participant.pseudonym, Participant.updated_at).filter(
            Participant.pseudonym.like(prefix)):
        note(name, moment)
    for name, moment in session.query(Contact.pseudonym, Contact.created_at).filter(
            Contact.pseudonym.like(prefix)):
        note(name, moment)
    if sa.inspect(session.get_bind()).has_table(RASA_EVENTS_TABLE):
        for name, stamp in session.execute(sa.text(
                f"SELECT sender_id, MAX(timestamp) FROM {RASA_EVENTS_TABLE} "
                "WHERE sender_id LIKE :prefix GROUP BY sender_id"), {"prefix": prefix}):
            if stamp is not None:
                note(name, datetime.utcfromtimestamp(float(stamp)))
    return seen


def sweep(session: Session, now: datetime, expiry: timedelta = DEFAULT_EXPIRY) -> int:
    """Delete every test conversation idle for longer than `expiry`: how many went."""
    gone = 0
    for name, moment in _last_activity(session).items():
        if now - moment > expiry:
            gone += erase_pseudonym(session, name, "console-test", record=False)
    return gone

