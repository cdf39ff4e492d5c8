"""Does a Telegram Update have the shape the bot relies on? Checked on the decoded JSON before
python-telegram-bot reads it, since PTB trusts the Bot API and does not check types: a `text`
that is a number, a `username` that is a number or a `date` of 2**70 would raise deep inside
it or in the channel, and a chat id of "abc" or 1.5 would be kept in the vault and inbox.

What the Bot API documents, and so what is accepted:
- update_id and message_id: integers (message_id may be 0 for a scheduled message);
- chat.id and from.id: integers of at most 52 bits; a private chat's id is the user's, > 0;
- chat.type: a string ("private" is the only one the bot serves);
- date and edit_date: Unix times, integers;
- username: 1-32 letters, digits and underscores (Telegram's own rule is 4-32);
- text and caption: strings (their characters are cleaned later, as on every channel);
- an attachment, when present, an object (a photo: a non-empty list of objects), since
  the kind of message is read from which one is there;
- at most one of message and edited_message.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 2 ** 52  # "at most 52 significant bits" (Bot API, Chat.id and User.id)
MAX_UPDATE_ID = 2 ** 53
MAX_DATE = 2 ** 32  # seconds since 1970: the year 2106
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,32}")
MESSAGE_KEYS = ("message", "edited_message")
# The attachment a message carries, in the order they are looked for (an animation is also
# a document, a venue also a location), and the kind of message each makes.
ATTACHMENT_KINDS = (
    ("photo", "photo"), ("voice", "voice"), ("audio", "audio"), ("video", "video"),
    ("video_note", "video"), ("animation", "video"), ("sticker", "sticker"),
    ("document", "document"), ("venue", "location"), ("location", "location"),
    ("contact", "contact"),
)


def _integer(value: Any, low: int, high: int) -> bool:
    """An int (not a bool, which Python counts as one) with low <= value < high."""
    return type(value) is int and low <= value < high


def _optional_string(holder: dict[str, Any], key: str) -> bool:
    return key not in holder or isinstance(holder[key], str)


def _username_ok(holder: dict[str, Any]) -> bool:
    name = holder.get("username")
    return "username" not in holder or (isinstance(name, str)
                                         and _USERNAME.fullmatch(name) is not None)


def _chat_problem(chat: Any) -> str | None:
    if not isinstance(chat, dict):
        return "message.chat is not an object"
    if not isinstance(chat.get("type"), str):
        return "chat.type is not a string"
    low = 1 if chat["type"] == "private" else -MAX_ID + 1
    if not _integer(chat.get("id"), low, MAX_ID):
        return "chat.id is not a Telegram chat id"
    if not _username_ok(chat):
        return "chat.username is not a Telegram username"
    return None


def _sender_problem(message: dict[str, Any]) -> str | None:
    if "from" not in message:
        return None
    sender = message["from"]
    if not isinstance(sender, dict):
        return "message.from is not an object"
    if not _integer(sender.get("id"), 1, MAX_ID):
        return "from.id is not a Telegram user id"
    if not _username_ok(sender):
        return "from.username is not a Telegram username"
    return None


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return "the message is not an object"
    if not _integer(message.get("message_id"), 0, MAX_UPDATE_ID):
        return "message_id is not a Telegram message id"
    if not _integer(message.get("date"), 0, MAX_DATE):
        return "date is not a Unix time"
    if "edit_date" in message and not _integer(message["edit_date"], 0, MAX_DATE):
        return "edit_date is not a Unix time"
    for key in ("text", "caption"):
        if not _optional_string(message, key):
            return f"{key} is not a string"
    photo = message.get("photo", [{}])
    if not (isinstance(photo, list) and photo and all(isinstance(p, dict) for p in photo)):
        return "photo is not a list of photo sizes"
    for key, _ in ATTACHMENT_KINDS[1:]:
        if key in message and not isinstance(message[key], dict):
            return f"{key} is not an object"
    return _chat_problem(message.get("chat")) or _sender_problem(message)


def shape_problem(update: dict[str, Any]) -> str | None:
    """What is wrong with the parts of this Update the bot uses (for the log: a field's name,
    never its value), or None."""
    if not _integer(update.get("update_id"), 0, MAX_UPDATE_ID):
        return "update_id is out of range"
    present = [key for key in MESSAGE_KEYS if key in update]
    if len(present) > 1:
        return "both message and edited_message"
    return _message_problem(update[present[0]]) if present else None
