"""Channel and language names as staff read them, never the internal codes
(`twilio_sms`, `rest`, `cy`)."""

from __future__ import annotations

CHANNELS = {"twilio_sms": "SMS", "twilio_whatsapp": "WhatsApp", "telegram": "Telegram",
            "rest": "web chat"}
LANGUAGES = {"en": "English", "cy": "Welsh (Cymraeg)", "pl": "Polish (Polski)",
             "ar": "Arabic (العربية)", "ro": "Romanian (Română)"}


def channel(code: str) -> str:
    return CHANNELS.get(code, code)


def language(code: str) -> str:
    return LANGUAGES.get(code, code)
