"""The REST channel served as Rasa serves it: its token, its off switch, the message cut before
NLU, and the request-size cap it puts on the whole server."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from channel_helpers import FakeRasa, Served
from sqlalchemy.exc import OperationalError

from bot.channels.common import MAX_BODY, max_request_bytes
from bot.channels.rest import PseudonymousRestInput
from bot.store.db import session_factory, transaction
from bot.store.models import Contact

TOKEN = "rest-channel-token-for-tests"


def serve(env: str, channel: PseudonymousRestInput) -> tuple[Served, FakeRasa]:
    rasa = FakeRasa(session_factory(env), apply=False)
    return Served([channel], rasa), rasa


@pytest.fixture
def guarded(env: str) -> Iterator[tuple[Served, FakeRasa]]:
    served, rasa = serve(env, PseudonymousRestInput(token=TOKEN))
    try:
        yield served, rasa
    finally:
        served.close()


def message(sender: str, text: str) -> bytes:
    return json.dumps({"sender": sender, "message": text}).encode()


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def test_with_a_token_set_only_a_caller_with_it_gets_through(guarded):
    served, rasa = guarded
    path = "/webhooks/rest/webhook"
    assert served.post(path, message("ann", "BUSES"), {"Content-Type": "application/json"}
                       ).status == 403
    assert served.post(path, message("ann", "BUSES"), bearer("wrong")).status == 403
    assert served.post(path, message("ann", "BUSES"), {"Authorization": TOKEN}).status == 403
    assert rasa.messages == []
    assert served.post(path, message("ann", "BUSES"), bearer(TOKEN)).status == 200
    assert [m.text for m in rasa.messages] == ["BUSES"]


def test_turned_off_it_answers_404_and_hands_rasa_nothing(env):
    served, rasa = serve(env, PseudonymousRestInput(enabled=False))
    try:
        reply = served.post("/webhooks/rest/webhook", message("ann", "BUSES"),
                            {"Content-Type": "application/json"})
        assert reply.status == 404 and "turned off" in reply.text
        assert rasa.messages == []
        assert served.post("/webhooks/rest/", b"", {}).status in (404, 405)  # GET only
    finally:
        served.close()


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ENGAGE_REST_TOKEN", TOKEN)
    monkeypatch.setenv("ENGAGE_REST_CHANNEL", "off")
    channel = PseudonymousRestInput.from_credentials({})
    assert (channel.token, channel.enabled) == (TOKEN, False)
    monkeypatch.delenv("ENGAGE_REST_TOKEN")
    monkeypatch.delenv("ENGAGE_REST_CHANNEL")
    channel = PseudonymousRestInput.from_credentials(None)
    assert (channel.token, channel.enabled) == (None, True)


def test_an_over_long_message_is_cut_and_skips_nlu(guarded):
    served, rasa = guarded
    text = "words" * 4000  # 20,000 characters
    assert served.post("/webhooks/rest/webhook", message("ann", text), bearer(TOKEN)
                       ).status == 200
    [handed] = rasa.messages
    assert len(handed.text) == MAX_BODY and text.startswith(handed.text)
    assert handed.metadata == {"kind": "too_long"}
    assert handed.parse_data["intent"]["name"] == "inform"  # the model never reads it
    ok = served.post("/webhooks/rest/webhook", message("ann", "yes"), bearer(TOKEN))
    assert ok.status == 200
    assert rasa.messages[-1].parse_data is None and rasa.messages[-1].metadata == {"kind": "text"}


def test_a_body_over_the_cap_is_refused_with_413_before_it_is_read(guarded):
    served, rasa = guarded
    cap = max_request_bytes()
    big = message("ann", "x" * (cap + 10))
    reply = served.post("/webhooks/rest/webhook", big, bearer(TOKEN))
    assert reply.status == 413
    assert rasa.messages == []
    # Announced as 10 MB, with only the headers sent: answered without waiting for the body.
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 413")
    assert served.post("/webhooks/rest/webhook", message("ann", "hi"), bearer(TOKEN)
                       ).status == 200


def test_a_failing_database_answers_503_not_a_crash(guarded):
    served, rasa = guarded

    async def database_down(_message) -> None:
        raise OperationalError("SELECT ...", {}, Exception("database is locked"))

    rasa.before = database_down
    reply = served.post("/webhooks/rest/webhook", message("ann", "BUSES"), bearer(TOKEN))
    assert reply.status == 503 and "try again" in reply.text


@pytest.mark.parametrize("body", [
    b'{"sender": "ann\x80", "message": "BUSES"}',  # not UTF-8 (Sanic's parser read U+0080)
    b'{"sender": "ann", "message": "BUSES", "sender": "bob"}',  # a key twice
    message("ann\u202eevil", "BUSES"),  # a right-to-left override
    message("ann\u200b", "BUSES"),  # a zero-width space
    message("ann\x00", "BUSES"),
    message("ann\nbob", "BUSES"),
], ids=["not-utf8", "repeated-key", "rtl-override", "zero-width", "nul", "newline"])
def test_a_body_or_sender_it_cannot_trust_is_400_and_nothing_is_stored(guarded, env, body):
    served, rasa = guarded
    reply = served.post("/webhooks/rest/webhook", body, bearer(TOKEN))
    assert reply.status == 400, reply.text
    assert rasa.messages == []
    with transaction(session_factory(env)) as session:
        assert session.query(Contact).count() == 0  # not even the vault
