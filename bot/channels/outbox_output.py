"""The OutputChannel of every provider channel: a message Rasa sends is queued in the outbox,
and the outbound sender is woken to send it.

Replies to residents' messages normally do not come this way: the action queues them in its
own transaction. This is for what Rasa itself sends (a response, `trigger_intent` with
`output_channel=twilio_sms`), so nothing sent to a provider channel bypasses the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel
from sqlalchemy.orm import sessionmaker

from bot import bootstrap
from bot.store import outbox
from bot.store.db import transaction

logger = logging.getLogger(__name__)


def kick_sender() -> None:
    """Wake this process's outbound sender, if it runs here; otherwise its own loop finds
    the rows."""
    from bot.outbound.sender import kick  # late: the providers' clients load on first use

    kick()


class OutboxOutputChannel(OutputChannel):
    def __init__(self, channel: str, factory: sessionmaker | None = None) -> None:
        self.channel = channel
        self._factory = factory

    def name(self) -> str:  # type: ignore[override]  # one class, one instance per channel
        return self.channel

    @property
    def factory(self) -> sessionmaker:
        if self._factory is None:
            self._factory = bootstrap.sessions()
        return self._factory

    def queue(self, pseudonym: str, text: str, buttons: list[str] | None = None) -> int:
        with transaction(self.factory) as session:
            row = outbox.enqueue(session, self.channel, pseudonym, text, buttons)
            session.flush()
            row_id = row.id
        kick_sender()
        return row_id

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await asyncio.to_thread(self.queue, recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        labels = [str(b.get("title") or b.get("payload") or "") for b in buttons]
        await asyncio.to_thread(self.queue, recipient_id, text, [lb for lb in labels if lb])
