"""What each channel actually receives for one outbox row.

SMS and WhatsApp take plain text: GSM-7 normalised (curly quotes and dashes would force a
message into costly UCS-2) and never over Twilio's 1600-character limit, which would refuse it
outright. Telegram takes the options as a reply keyboard, so a resident can tap an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.text import normalise_for_sms

SMS_MAX_CHARACTERS = 1600  # Twilio's limit for one (concatenated) SMS or WhatsApp body
TELEGRAM_MAX_CHARACTERS = 4096
ELLIPSIS = "..."


def shorten(text: str, limit: int) -> str:
    """Cut to `limit` characters with "...", at a line break or else a space where one is
    reasonably near the end, so no word or option is cut in half."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[:room]
    for separator in ("\n", " "):
        cut = head.rfind(separator)
        if cut >= room // 2:
            head = head[:cut]
            break
    return head.rstrip() + ELLIPSIS


def render_text(body: str) -> str:
    """The body of an SMS or WhatsApp message."""
    return shorten(normalise_for_sms(body), SMS_MAX_CHARACTERS)


@dataclass(frozen=True)
class TelegramMessage:
    text: str
    reply_markup: ReplyKeyboardMarkup | ReplyKeyboardRemove


def render_telegram(body: str, buttons: Sequence[Any] | None = None) -> TelegramMessage:
    """Text plus one keyboard button per option (a row each); no options removes the keyboard
    left by an earlier question."""
    text = shorten(body, TELEGRAM_MAX_CHARACTERS)
    labels = [label for label in map(button_label, buttons or []) if label.strip()]
    if not labels:
        return TelegramMessage(text, ReplyKeyboardRemove())
    keyboard = [[KeyboardButton(label)] for label in labels]
    return TelegramMessage(text, ReplyKeyboardMarkup(keyboard, resize_keyboard=True,
                                                     one_time_keyboard=True))


def button_label(button: Any) -> str:
    """Engine labels are strings; a Rasa-style {"title": ...} button is accepted too."""
    if isinstance(button, dict):
        return str(button.get("title") or "")
    return str(button or "")
