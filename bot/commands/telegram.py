"""`engage telegram set-webhook`: tell Telegram where to send messages, with the secret."""

from __future__ import annotations

import argparse
from typing import Any

from bot import settings
from bot.commands._base import EXIT_ERROR, EXIT_OK, command, fail


def cmd_telegram_set_webhook(args: argparse.Namespace) -> int:
    import asyncio

    from bot.outbound.clients import telegram_bot

    public = settings.value("ENGAGE_PUBLIC_URL")
    secret = settings.value("TELEGRAM_WEBHOOK_SECRET")
    if not public or not settings.value("TELEGRAM_BOT_TOKEN") or not secret:
        return fail("set ENGAGE_PUBLIC_URL, TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first "
                     "(see docs/channels.md).")
    url = public.rstrip("/") + "/webhooks/telegram/webhook"

    async def register() -> tuple[bool, object]:
        bot = telegram_bot()
        async with bot:
            done = await bot.set_webhook(url=url, secret_token=secret,
                                         allowed_updates=["message", "edited_message"])
            # The menu Telegram shows beside the text box; both also work typed.
            await bot.set_my_commands([("help", "What this is and how to answer"),
                                       ("stop", "Stop all messages")])
            return done, await bot.get_webhook_info()

    try:
        done, info = asyncio.run(register())
    except Exception as error:  # the provider's own words help staff most
        return fail(f"Telegram refused: {error}")
    print(f"Webhook {'registered' if done else 'NOT registered'}: {url}")
    print(f"Telegram reports: url={info.url!r}, pending updates={info.pending_update_count}")
    return EXIT_OK if done else EXIT_ERROR


def register(subparsers: Any) -> None:
    telegram = subparsers.add_parser("telegram", help="Telegram set-up.")
    tsub = telegram.add_subparsers(dest="telegram_command", required=True)
    command(tsub, "set-webhook", cmd_telegram_set_webhook,
            "Tell Telegram where to send messages (ENGAGE_PUBLIC_URL), with the secret.",
            "engage telegram set-webhook")
