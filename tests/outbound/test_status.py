"""Twilio status callbacks, signed by the fake as Twilio signs them, applied to the outbox."""

from __future__ import annotations

import asyncio

from aiohttp import web
from fakes import ThreadedServer
from outbound_helpers import contact, queue, remember, row, sender_for, settle, twilio_env
from twilio.request_validator import RequestValidator

from bot.outbound.status import apply_status
from bot.store.db import transaction
from bot.store.models import utcnow
from bot.store.outbox import mark_sent


class StatusWebhook(ThreadedServer):
    """Plays the status route (someone else's): check the signature, then apply_status."""

    def __init__(self, factory, auth_token: str) -> None:
        super().__init__()
        self.factory, self.auth_token = factory, auth_token
        self.route("POST", "/webhooks/twilio_sms/status", self._status)

    async def _status(self, request: web.Request) -> web.Response:
        params = dict(await request.post())
        url = f"http://{request.host}{request.path_qs}"
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(self.auth_token).validate(url, params, signature):
            return web.Response(status=403)
        with transaction(self.factory) as session:
            found = apply_status(session, params["MessageSid"], params["MessageStatus"],
                                 params.get("ErrorCode"))
        return web.Response(status=200 if found else 404)


def test_status_callbacks_reach_the_outbox(factory, fake_twilio):
    alice = remember(factory, address="+447700900111")
    bob = remember(factory, address="+447700900222")
    ids = [queue(factory, alice, "to alice"), queue(factory, bob, "to bob")]

    with StatusWebhook(factory, fake_twilio.auth_token) as webhook:
        async def scenario():
            env = twilio_env(fake_twilio, ENGAGE_PUBLIC_URL=webhook.url)
            async with sender_for(factory, env) as sender:
                return await settle(sender, factory, ids)

        done = asyncio.run(scenario())
        to_alice, to_bob = (done[i].provider_message_id for i in ids)
        assert fake_twilio.send_status(to_alice, "sent").status == 200
        assert fake_twilio.send_status(to_alice, "delivered").status == 200
        assert fake_twilio.send_status(to_bob, "undelivered", error_code=21610).status == 200

    delivered, undelivered = row(factory, ids[0]), row(factory, ids[1])
    assert (delivered.status, delivered.last_error) == ("delivered", None)
    assert undelivered.status == "undelivered" and "21610" in undelivered.last_error
    assert contact(factory, bob).opted_out_at is not None
    assert contact(factory, alice).opted_out_at is None


def sent_row(factory, sid: str) -> int:
    row_id = queue(factory, remember(factory), "Hello")
    with transaction(factory) as session:
        mark_sent(session, row_id, sid, utcnow())
    return row_id


def test_reports_out_of_order_never_undo_a_final_status(factory):
    row_id = sent_row(factory, "SM" + "1" * 32)
    for status in ("delivered", "sent", "failed", "queued"):
        with transaction(factory) as session:
            apply_status(session, "SM" + "1" * 32, status)
    assert row(factory, row_id).status == "delivered"


def test_failed_report_keeps_the_reason(factory):
    row_id = sent_row(factory, "SM" + "2" * 32)
    with transaction(factory) as session:
        apply_status(session, "SM" + "2" * 32, "failed", "30007")
    failed = row(factory, row_id)
    assert failed.status == "failed" and failed.last_error.startswith("Twilio 30007")


def test_unknown_message_is_none(factory):
    with transaction(factory) as session:
        assert apply_status(session, "SM" + "9" * 32, "delivered") is None
