"""Outbound messages: the outbox sender, its provider senders, rendering and rate limits.

    sender = OutboxSender.from_env()      # in the Rasa process
    task = asyncio.create_task(sender.run())
    ...
    bot.outbound.sender.kick()             # after queueing rows: wake it now
"""

from bot.outbound.providers import (
    Outgoing,
    PermanentError,
    ProviderSender,
    RetryableError,
    SendError,
    SmsSender,
    TelegramSender,
    WhatsAppSender,
    build_providers,
)
from bot.outbound.sender import OutboxSender, SenderSettings, kick
from bot.outbound.status import apply_status

__all__ = [
    "OutboxSender", "Outgoing", "PermanentError", "ProviderSender", "RetryableError",
    "SendError", "SenderSettings", "SmsSender", "TelegramSender", "WhatsAppSender",
    "apply_status", "build_providers", "kick",
]
