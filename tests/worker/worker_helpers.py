"""Helpers for the worker tests: a fake Rasa HTTP API, and rows to work on."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from fakes.server import ThreadedServer
from sqlalchemy.orm import sessionmaker

from bot.store.db import transaction
from bot.store.models import (
    CampaignVersion,
    Contact,
    Invitation,
    Launch,
    Participant,
    utcnow,
)

# What the fake does with a trigger, in a thread: (intent, entities, pseudonym) -> status.
Behaviour = Callable[[str, dict[str, Any], str], int]


class FakeRasa(ThreadedServer):
    """POST /conversations/{id}/trigger_intent: checks the token, records the call, and plays
    the service's part through `behaviour` (default: answer 200 and do nothing)."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token or secrets.token_urlsafe(16)
        self.behaviour: Behaviour = lambda intent, entities, pseudonym: 200
        self.delay = 0.0
        self.route("POST", "/conversations/{conversation}/trigger_intent", self._trigger)

    async def _trigger(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read() or b"{}")
        entry = self.record(request, dict(request.query), body=body,
                            conversation=request.match_info["conversation"])
        if request.query.get("token") != self.token:
            entry.status = 401
            return web.json_response({"message": "User is not authenticated."}, status=401)
        if self.delay:
            await asyncio.sleep(self.delay)
        status = await asyncio.to_thread(self.behaviour, body.get("name", ""),
                                         body.get("entities") or {}, entry.extra["conversation"])
        entry.status = status
        if status != 200:
            return web.json_response({"message": "An unexpected error occurred."}, status=status)
        return web.json_response({"tracker": {}})

    def triggers(self, intent: str | None = None) -> list[Any]:
        with self.lock:
            return [r for r in self.requests if r.status == 200
                    and (intent is None or r.extra["body"].get("name") == intent)]


def record_invitations(factory: sessionmaker) -> Behaviour:
    """Play ConversationService.invite/remind: mark the invitation sent (or the participant
    reminded), once."""
    def behaviour(intent: str, entities: dict[str, Any], pseudonym: str) -> int:
        with transaction(factory) as session:
            if intent == "EXTERNAL_invite":
                session.query(Invitation).filter_by(
                    id=int(entities["invitation"]), status="queued"
                ).update({"status": "sent", "sent_at": utcnow()})
            elif intent == "EXTERNAL_remind":
                session.query(Participant).filter_by(
                    id=int(entities["participant"]), reminded_at=None
                ).update({"reminded_at": utcnow()})
        return 200
    return behaviour


def campaign(factory: sessionmaker, slug: str = "buses-2026", **settings: Any) -> int:
    definition = {"id": slug, "retention_days": 365, **settings}
    with transaction(factory) as session:
        row = CampaignVersion(slug=slug, version=1, definition=definition, checksum="x" * 64,
                              status="live")
        session.add(row)
        session.flush()
        return row.id


def invitations(factory: sessionmaker, campaign_id: int, count: int = 1,
                channel: str = "twilio_sms", rate: float | None = None,
                due_at: datetime | None = None, queued_at: datetime | None = None) -> list[int]:
    with transaction(factory) as session:
        launch = Launch(campaign_id=campaign_id, audience="test", channel=channel,
                        rate_per_second=rate, created_by="test")
        session.add(launch)
        session.flush()
        rows = [Invitation(campaign_id=campaign_id, pseudonym=f"p_{secrets.token_hex(8)}",
                           channel=channel, launch_id=launch.id, due_at=due_at or utcnow(),
                           queued_at=queued_at or utcnow())
                for _ in range(count)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def invitation(factory: sessionmaker, invitation_id: int) -> Invitation:
    with transaction(factory) as session:
        return session.get(Invitation, invitation_id)


def participant(factory: sessionmaker, campaign_id: int, channel: str = "twilio_sms",
                updated_at: datetime | None = None, opted_out: bool = False,
                **fields: Any) -> int:
    pseudonym = f"p_{secrets.token_hex(8)}"
    with transaction(factory) as session:
        session.add(Contact(pseudonym=pseudonym, channel=channel, address_encrypted=b"x",
                            opted_out_at=utcnow() if opted_out else None))
        values = {"consent": "given", "status": "in_progress", **fields}
        row = Participant(pseudonym=pseudonym, campaign_id=campaign_id, channel=channel,
                          language="en", phase="steps", state={}, **values)
        session.add(row)
        session.flush()
        row_id = row.id
    if updated_at is not None:  # after the insert: onupdate would overwrite it
        with transaction(factory) as session:
            session.query(Participant).filter_by(id=row_id).update(
                {"updated_at": updated_at}, synchronize_session=False)
    return row_id
