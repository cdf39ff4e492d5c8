"""The fakes answer the real clients as the real providers do (twilio 8.2.2, PTB 22.8)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from aiohttp import web
from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from fakes import (
    TEST_AUTH_TOKEN,
    FakeTelegram,
    FakeTwilio,
    ThreadedServer,
    signed_twilio_sms,
    signed_twilio_whatsapp,
    telegram_contact_update,
    telegram_edited_update,
    telegram_location_update,
    telegram_photo_update,
    telegram_secret_headers,
    telegram_start_update,
    telegram_sticker_update,
    telegram_text_update,
    telegram_voice_update,
    twilio_signature,
)

RESIDENT = "+447700900123"
SENDER = "+447700900000"


class Receiver(ThreadedServer):
    """Stands in for the bot's webhooks: records every POST, checks Twilio's signature."""

    def __init__(self, auth_token: str = TEST_AUTH_TOKEN) -> None:
        super().__init__()
        self.auth_token = auth_token
        self.route("POST", "/{path:.*}", self._receive)

    async def _receive(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            params: dict[str, Any] = await request.json()
        else:
            params = dict(await request.post())
        entry = self.record(request, params)
        signature = request.headers.get("X-Twilio-Signature")
        if signature is not None:
            # request.url breaks on aiohttp 3.9.5 with the installed yarl; build it instead.
            url = f"http://{request.host}{request.path_qs}"
            valid = RequestValidator(self.auth_token).validate(url, params, signature)
            entry.status = 200 if valid else 403
            return web.Response(status=entry.status)
        entry.status = 200
        return web.Response(text="{}")


def twilio_at(fake: FakeTwilio, token: str | None = None, timeout: float = 5) -> Client:
    client = Client(fake.account_sid, token or fake.auth_token,
                    http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = fake.url
    return client


def bot_at(fake: FakeTelegram, timeout: float = 5) -> Bot:
    request = HTTPXRequest(read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout)
    return Bot(fake.token, base_url=fake.base_url, request=request)


@pytest.fixture
def twilio() -> Any:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def telegram() -> Any:
    with FakeTelegram() as fake:
        yield fake


# Twilio


def test_twilio_accepts_a_message_like_twilio(twilio: FakeTwilio):
    message = twilio_at(twilio).messages.create(
        to=RESIDENT, from_=SENDER, body="Hello", status_callback="http://127.0.0.1:9/status")
    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.to, message.from_, message.body) == \
        ("queued", RESIDENT, SENDER, "Hello")
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.params == {"To": RESIDENT, "From": SENDER, "Body": "Hello",
                              "StatusCallback": "http://127.0.0.1:9/status"}
    assert request.status == 201 and request.received_at > 0
    assert [m.sid for m in twilio.accepted] == [message.sid]


def test_twilio_template_and_messaging_service(twilio: FakeTwilio):
    message = twilio_at(twilio).messages.create(
        to="whatsapp:" + RESIDENT, messaging_service_sid="MG" + "1" * 32,
        content_sid="HX" + "2" * 32, content_variables='{"1": "Ana"}')
    assert message.status == "accepted"
    stored = twilio.message(message.sid)
    assert (stored.content_sid, stored.content_variables) == ("HX" + "2" * 32, '{"1": "Ana"}')


def test_twilio_checks_basic_auth(twilio: FakeTwilio):
    with pytest.raises(TwilioRestException) as error:
        twilio_at(twilio, token="wrong").messages.create(to=RESIDENT, from_=SENDER, body="x")
    assert (error.value.status, error.value.code) == (401, 20003)
    assert twilio.accepted == []


def test_twilio_validates_like_twilio(twilio: FakeTwilio):
    with pytest.raises(TwilioRestException) as error:
        twilio_at(twilio).messages.create(to=RESIDENT, body="no sender")
    assert (error.value.status, error.value.code) == (400, 21603)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_scripted_failures_then_success(twilio: FakeTwilio, status: int):
    twilio.fail_next(status)
    client = twilio_at(twilio)
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to=RESIDENT, from_=SENDER, body="x")
    assert error.value.status == status
    assert client.messages.create(to=RESIDENT, from_=SENDER, body="x").status == "queued"
    assert [r.status for r in twilio.requests] == [status, 201]
    assert len(twilio.accepted) == 1


def test_twilio_429_carries_retry_after(twilio: FakeTwilio):
    twilio.fail_next(429, retry_after=3)
    reply = requests.post(f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
                          data={"To": RESIDENT, "From": SENDER, "Body": "x"},
                          auth=(twilio.account_sid, twilio.auth_token), timeout=5)
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "3"
    assert reply.json()["status"] == 429


def test_twilio_unsubscribed_recipient(twilio: FakeTwilio):
    twilio.fail_next(400)
    with pytest.raises(TwilioRestException) as error:
        twilio_at(twilio).messages.create(to=RESIDENT, from_=SENDER, body="x")
    assert (error.value.status, error.value.code) == (400, 21610)
    assert "unsubscribed recipient" in error.value.msg


def test_twilio_timeout_holds_longer_than_the_client_waits(twilio: FakeTwilio):
    twilio.fail_next("timeout", hold=3)
    with pytest.raises(requests.exceptions.Timeout):
        twilio_at(twilio, timeout=0.3).messages.create(to=RESIDENT, from_=SENDER, body="x")
    assert len(twilio.requests) == 1 and twilio.accepted == []


def test_twilio_status_callback_is_signed_like_twilio(twilio: FakeTwilio):
    with Receiver() as bot:
        url = f"{bot.url}/webhooks/twilio_sms/status"
        message = twilio_at(twilio).messages.create(to=RESIDENT, from_=SENDER, body="x",
                                                    status_callback=url)
        callback = twilio.send_status(message.sid, "undelivered", error_code=30003)
    assert callback.status == 200  # the receiver validated X-Twilio-Signature
    [request] = bot.requests
    assert request.params["MessageSid"] == message.sid
    assert request.params["MessageStatus"] == "undelivered"
    assert request.params["ErrorCode"] == "30003"
    assert request.params["To"] == RESIDENT and request.params["From"] == SENDER
    assert request.params["AccountSid"] == twilio.account_sid
    assert twilio.message(message.sid).statuses == ["undelivered"]


def test_twilio_status_callback_with_a_wrong_token_is_refused(twilio: FakeTwilio):
    with Receiver(auth_token="another-token") as bot:
        message = twilio_at(twilio).messages.create(to=RESIDENT, from_=SENDER, body="x",
                                                    status_callback=f"{bot.url}/status")
        assert twilio.send_status(message.sid, "delivered").status == 403


def test_twilio_status_callback_from_async_code_served_on_the_same_loop(twilio: FakeTwilio):
    async def scenario() -> tuple[int, list[dict[str, Any]]]:
        seen: list[dict[str, Any]] = []

        async def status(request: web.Request) -> web.Response:
            seen.append(dict(await request.post()))
            return web.Response()

        app = web.Application()
        app.router.add_post("/status", status)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            message = await asyncio.to_thread(
                twilio_at(twilio).messages.create, to=RESIDENT, from_=SENDER, body="x",
                status_callback=f"http://{host}:{port}/status")
            callback = await twilio.asend_status(message.sid, "delivered")
        finally:
            await runner.cleanup()
        return callback.status, seen

    status, seen = asyncio.run(scenario())
    assert status == 200 and seen[0]["MessageStatus"] == "delivered"


# Telegram


def test_telegram_bot_sends_with_a_keyboard(telegram: FakeTelegram):
    async def scenario() -> Any:
        async with bot_at(telegram) as bot:  # initialize() calls getMe
            keyboard = ReplyKeyboardMarkup([[KeyboardButton("Bus")], [KeyboardButton("Tram")]],
                                           resize_keyboard=True, one_time_keyboard=True)
            return bot.username, await bot.send_message(42, "Which one?", reply_markup=keyboard)

    username, message = asyncio.run(scenario())
    assert username == telegram.username
    assert (message.chat.id, message.text, message.message_id) == (42, "Which one?", 1)
    [sent] = telegram.sent
    assert sent["reply_markup"]["keyboard"] == [[{"text": "Bus"}], [{"text": "Tram"}]]
    assert sent["reply_markup"]["one_time_keyboard"] is True
    assert [r.extra["method"] for r in telegram.requests] == ["getMe", "sendMessage"]


def test_telegram_webhook_methods(telegram: FakeTelegram):
    async def scenario() -> Any:
        async with bot_at(telegram) as bot:
            assert await bot.set_webhook("https://bot.example/webhooks/telegram/webhook",
                                         secret_token="s3cret", allowed_updates=["message"])
            info = await bot.get_webhook_info()
            assert await bot.delete_webhook()
            return info, await bot.get_webhook_info()

    info, after = asyncio.run(scenario())
    assert info.url == "https://bot.example/webhooks/telegram/webhook"
    assert info.allowed_updates == ("message",)
    assert after.url == ""
    [call] = telegram.calls("setWebhook")
    assert call.params["secret_token"] == "s3cret"


def test_telegram_scripted_failures(telegram: FakeTelegram):
    async def attempt(bot: Bot) -> BaseException | None:
        try:
            await bot.send_message(42, "hi")
        except Exception as error:  # noqa: BLE001 - the error is what is tested
            return error
        return None

    async def scenario() -> list[BaseException | None]:
        async with bot_at(telegram, timeout=0.3) as bot:  # getMe answered before failures
            telegram.fail_next(429)
            telegram.fail_next(500)
            telegram.fail_next(403)
            telegram.fail_next("timeout", hold=3)
            return [await attempt(bot) for _ in range(5)]

    rate, server, blocked, timeout, ok = asyncio.run(scenario())
    assert isinstance(rate, RetryAfter)
    assert rate.retry_after in (1, timedelta(seconds=1))
    assert isinstance(server, NetworkError) and not isinstance(server, BadRequest)
    assert isinstance(blocked, Forbidden) and "blocked by the user" in blocked.message
    assert isinstance(timeout, TimedOut)
    assert ok is None and len(telegram.sent) == 1


def test_telegram_blocked_chat_and_bad_token(telegram: FakeTelegram):
    telegram.block(42)

    async def scenario() -> tuple[BaseException, BaseException]:
        bot = bot_at(telegram)
        with pytest.raises(Forbidden) as blocked:
            await bot.send_message(42, "hi")
        wrong = Bot("999:wrong", base_url=telegram.base_url)
        with pytest.raises(InvalidToken) as unauthorised:
            await wrong.send_message(7, "hi")
        for used in (bot, wrong):  # never initialized, so shutdown() would skip the client
            await used.request.shutdown()
        return blocked.value, unauthorised.value

    blocked, unauthorised = asyncio.run(scenario())
    assert "blocked" in blocked.message
    assert "Unauthorized" in str(unauthorised)


def test_telegram_deliver_posts_to_the_registered_webhook(telegram: FakeTelegram):
    with Receiver() as bot:
        url = f"{bot.url}/webhooks/telegram/webhook"

        async def register() -> None:
            async with bot_at(telegram) as telegram_bot:
                await telegram_bot.set_webhook(url, secret_token="tok_123")

        asyncio.run(register())
        update = telegram_text_update(42, "hello")
        assert telegram.deliver(update)[0] == 200
    [request] = bot.requests
    assert request.params == update
    assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "tok_123"


# Signing and update builders


def test_signed_twilio_sms_validates():
    url = "https://bot.example/webhooks/twilio_sms/webhook"
    signed = signed_twilio_sms(TEST_AUTH_TOKEN, url, RESIDENT, "BUSES",
                               media=[("https://api.twilio.com/m/1", "image/jpeg")])
    validator = RequestValidator(TEST_AUTH_TOKEN)
    assert validator.validate(url, signed.params, signed.headers["X-Twilio-Signature"])
    assert not validator.validate(url + "x", signed.params, signed.headers["X-Twilio-Signature"])
    assert signed.params["NumMedia"] == "1"
    assert signed.params["MediaContentType0"] == "image/jpeg"
    assert re.fullmatch(r"MM[0-9a-f]{32}", signed.params["MessageSid"])
    assert b"Body=BUSES" in signed.body
    assert twilio_signature(TEST_AUTH_TOKEN, url, signed.params) == \
        signed.headers["X-Twilio-Signature"]


def test_signed_twilio_whatsapp_location():
    url = "https://bot.example/webhooks/twilio_whatsapp/webhook"
    signed = signed_twilio_whatsapp(TEST_AUTH_TOKEN, url, RESIDENT, latitude=51.5,
                                    longitude=-0.12)
    assert signed.params["From"] == "whatsapp:" + RESIDENT
    assert signed.params["To"].startswith("whatsapp:+")
    assert (signed.params["Latitude"], signed.params["Longitude"]) == ("51.5", "-0.12")
    assert signed.params["MessageType"] == "location"
    assert signed.params["WaId"] == RESIDENT.lstrip("+")
    assert RequestValidator(TEST_AUTH_TOKEN).validate(url, signed.params,
                                                      signed.headers["X-Twilio-Signature"])


def test_telegram_updates_parse_as_ptb_updates():
    bot = Bot("123:abc")
    updates = {
        "text": telegram_text_update(42, "hello"),
        "start": telegram_start_update(42, "BUSES"),
        "photo": telegram_photo_update(42, caption="the stop"),
        "voice": telegram_voice_update(42),
        "sticker": telegram_sticker_update(42),
        "location": telegram_location_update(42, 51.5, -0.1),
        "contact": telegram_contact_update(42),
        "edited": telegram_edited_update(42, "hello again", message_id=5),
    }
    parsed = {name: Update.de_json(data, bot) for name, data in updates.items()}
    assert parsed["text"].message.text == "hello" and parsed["text"].effective_chat.id == 42
    start = parsed["start"].message
    assert start.text == "/start BUSES"
    assert start.parse_entities(["bot_command"]) == {start.entities[0]: "/start"}
    assert parsed["photo"].message.photo[-1].width == 800
    assert parsed["photo"].message.caption == "the stop"
    assert parsed["voice"].message.voice.duration in (3, timedelta(seconds=3))
    assert parsed["sticker"].message.sticker.emoji == "\U0001f44d"
    assert parsed["location"].message.location.latitude == 51.5
    assert parsed["contact"].message.contact.phone_number == "+447700900123"
    edited = parsed["edited"]
    assert edited.message is None and edited.edited_message.message_id == 5
    assert edited.edited_message.edit_date is not None
    assert len({u["update_id"] for u in updates.values()}) == len(updates)
    assert telegram_secret_headers("s") == {"X-Telegram-Bot-Api-Secret-Token": "s",
                                            "Content-Type": "application/json"}
