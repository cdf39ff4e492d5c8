"""What providers send to the bot's webhooks, built the way they build it.

Twilio signs every webhook (X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted form
fields, keyed with the auth token); Telegram sends the secret token given to setWebhook in
X-Telegram-Bot-Api-Secret-Token. Tests of the inbound channels use these builders so a forged or
unsigned request is a deliberate choice, never an accident.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

TEST_ACCOUNT_SID = "AC" + "0" * 31 + "1"
TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TEST_SMS_NUMBER = "+447700900000"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
FORM = "application/x-www-form-urlencoded"


def new_sid(prefix: str) -> str:
    """A Twilio-shaped id: two letters and 32 hex digits (SM..., MM..., AC...)."""
    return prefix + secrets.token_hex(16)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a form POST to `url`, exactly as Twilio computes it."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))


@dataclass(frozen=True)
class SignedForm:
    """A signed Twilio webhook: POST `body` with `headers` to `url`."""

    url: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def body(self) -> bytes:
        return urlencode(self.params).encode()


def sign_twilio_form(auth_token: str, url: str, params: Mapping[str, str]) -> SignedForm:
    params = {key: str(value) for key, value in params.items()}
    headers = {TWILIO_SIGNATURE_HEADER: twilio_signature(auth_token, url, params),
               "Content-Type": FORM}
    return SignedForm(url, params, headers)


class _RepeatedFields(dict):
    """Every value of each name, as Twilio's validator reads a form (`getlist`)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def sign_twilio_fields(auth_token: str, url: str,
                       fields: Sequence[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    """A signed form body whose fields may repeat a name (Twilio signs every value):
    (body, headers)."""
    params: dict[str, list[str]] = {}
    for name, value in fields:
        params.setdefault(name, []).append(value)
    signature = RequestValidator(auth_token).compute_signature(url, _RepeatedFields(params))
    return urlencode(list(fields)).encode(), {TWILIO_SIGNATURE_HEADER: signature,
                                              "Content-Type": FORM}


def twilio_message_params(
    from_: str,
    body: str = "",
    *,
    to: str = TEST_SMS_NUMBER,
    account_sid: str = TEST_ACCOUNT_SID,
    message_sid: str | None = None,
    media: Sequence[tuple[str, str]] = (),
    latitude: float | None = None,
    longitude: float | None = None,
    whatsapp: bool = False,
    profile_name: str = "Resident",
) -> dict[str, str]:
    """The form fields of an inbound SMS or WhatsApp message webhook.

    `media` is [(url, content type)]; latitude/longitude make a WhatsApp location message.
    """
    if whatsapp:
        from_, to = _whatsapp(from_), _whatsapp(to)
    sid = message_sid or new_sid("MM" if media and not whatsapp else "SM")
    params = {
        "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": account_sid,
        "From": from_, "To": to, "Body": body, "NumMedia": str(len(media)),
        "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }
    for number, (url, content_type) in enumerate(media):
        params[f"MediaUrl{number}"] = url
        params[f"MediaContentType{number}"] = content_type
    if latitude is not None and longitude is not None:
        params["Latitude"], params["Longitude"] = str(latitude), str(longitude)
    if whatsapp:
        params["ProfileName"] = profile_name
        params["WaId"] = from_.removeprefix("whatsapp:").lstrip("+")
        params["MessageType"] = (
            "location" if "Latitude" in params
            else media[0][1].split("/")[0] if media else "text")
    else:
        params.update({"FromCountry": "GB", "ToCountry": "GB"})
    return params


def signed_twilio_sms(auth_token: str, url: str, from_: str, body: str = "",
                      **fields: Any) -> SignedForm:
    """A signed inbound SMS webhook for `url` (the public URL the bot validates against)."""
    return sign_twilio_form(auth_token, url, twilio_message_params(from_, body, **fields))


def signed_twilio_whatsapp(auth_token: str, url: str, from_: str, body: str = "",
                           **fields: Any) -> SignedForm:
    """A signed inbound WhatsApp webhook (From/To carry the `whatsapp:` prefix)."""
    return sign_twilio_form(auth_token, url,
                            twilio_message_params(from_, body, whatsapp=True, **fields))


def _whatsapp(address: str) -> str:
    return address if address.startswith("whatsapp:") else f"whatsapp:{address}"


# Telegram updates, as the Bot API posts them to a webhook.

_update_ids = itertools.count(100_000)
_message_ids = itertools.count(1)


def telegram_secret_headers(secret_token: str) -> dict[str, str]:
    return {TELEGRAM_SECRET_HEADER: secret_token, "Content-Type": "application/json"}


def telegram_user(user_id: int, first_name: str = "Resident",
                  language_code: str | None = "en") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def telegram_message(chat_id: int, *, text: str | None = None, message_id: int | None = None,
                     date: int | None = None, first_name: str = "Resident",
                     **fields: Any) -> dict[str, Any]:
    """A private-chat Message (the chat id of a private chat is the user's id)."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "date": date if date is not None else int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": first_name},
        "from": telegram_user(chat_id, first_name),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    message.update(fields)
    return message


def telegram_update(message: dict[str, Any], *, update_id: int | None = None,
                    edited: bool = False) -> dict[str, Any]:
    key = "edited_message" if edited else "message"
    return {"update_id": update_id if update_id is not None else next(_update_ids), key: message}


def telegram_text_update(chat_id: int, text: str, **fields: Any) -> dict[str, Any]:
    update_id = fields.pop("update_id", None)
    return telegram_update(telegram_message(chat_id, text=text, **fields), update_id=update_id)


def telegram_start_update(chat_id: int, payload: str | None = "BUSES",
                          **fields: Any) -> dict[str, Any]:
    """/start from a deep link (t.me/<bot>?start=BUSES arrives as "/start BUSES")."""
    return telegram_text_update(chat_id, f"/start {payload}" if payload else "/start", **fields)


def _file(kind: str, **more: Any) -> dict[str, Any]:
    token = secrets.token_hex(8)
    return {"file_id": f"{kind}-{token}", "file_unique_id": f"u{token}", **more}


def telegram_photo_update(chat_id: int, caption: str | None = None,
                          **fields: Any) -> dict[str, Any]:
    photo = [_file("photo", width=90, height=60, file_size=1200),
             _file("photo", width=800, height=533, file_size=52_000)]
    if caption is not None:
        fields["caption"] = caption
    return _media_update(chat_id, photo=photo, **fields)


def telegram_voice_update(chat_id: int, duration: int = 3, **fields: Any) -> dict[str, Any]:
    voice = _file("voice", duration=duration, mime_type="audio/ogg", file_size=8000)
    return _media_update(chat_id, voice=voice, **fields)


def telegram_sticker_update(chat_id: int, emoji: str = "\U0001f44d",
                            **fields: Any) -> dict[str, Any]:
    sticker = _file("sticker", width=512, height=512, is_animated=False, is_video=False,
                    type="regular", emoji=emoji)
    return _media_update(chat_id, sticker=sticker, **fields)


def telegram_location_update(chat_id: int, latitude: float = 51.5074,
                             longitude: float = -0.1278, **fields: Any) -> dict[str, Any]:
    return _media_update(chat_id, location={"latitude": latitude, "longitude": longitude},
                         **fields)


def telegram_contact_update(chat_id: int, phone_number: str = "+447700900123",
                            first_name: str = "Resident", **fields: Any) -> dict[str, Any]:
    contact = {"phone_number": phone_number, "first_name": first_name, "user_id": chat_id}
    return _media_update(chat_id, contact=contact, **fields)


def telegram_edited_update(chat_id: int, text: str, message_id: int = 1,
                           **fields: Any) -> dict[str, Any]:
    """An edit of an earlier message: same message_id, a new update_id, `edit_date` set."""
    update_id = fields.pop("update_id", None)
    message = telegram_message(chat_id, text=text, message_id=message_id,
                               edit_date=int(time.time()), **fields)
    return telegram_update(message, update_id=update_id, edited=True)


def _media_update(chat_id: int, **fields: Any) -> dict[str, Any]:
    update_id = fields.pop("update_id", None)
    return telegram_update(telegram_message(chat_id, **fields), update_id=update_id)
