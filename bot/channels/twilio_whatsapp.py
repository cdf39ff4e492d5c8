"""WhatsApp through Twilio: the SMS connector under its own name, so the webhooks are
`/webhooks/twilio_whatsapp/webhook` and `/status`, and the same phone on SMS and on WhatsApp
is two different residents (two pseudonyms), each answered on the channel they used."""

from __future__ import annotations

from bot.channels.twilio_sms import TwilioSmsInput


class TwilioWhatsAppInput(TwilioSmsInput):
    whatsapp = True  # From is "whatsapp:+44..."

    @classmethod
    def name(cls) -> str:
        return "twilio_whatsapp"
