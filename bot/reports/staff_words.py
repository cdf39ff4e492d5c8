"""Channel and language names as staff read them, never the internal codes
(`twilio_sms`, `rest`, `cy`)."""

from __future__ import annotations

CHANNELS = {"twilio_sms": "SMS", "twilio_whatsapp": "WhatsApp", "telegram": "Telegram",
            "rest": "web chat"}


def _language_names() -> dict[str, str]:
    """"Welsh (Cymraeg)": the English name staff read, and the language's own."""
    from bot.language import LANGUAGES as shipped

    return {code: language.english_name if language.endonym == language.english_name
            else f"{language.english_name} ({language.endonym})"
            for code, language in shipped.items()}


LANGUAGES = _language_names()


def channel(code: str) -> str:
    return CHANNELS.get(code, code)


def language(code: str) -> str:
    return LANGUAGES.get(code, code)
