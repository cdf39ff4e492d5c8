"""What the provider channels share: messages go through the inbox, replies through the outbox."""

from __future__ import annotations

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.inbox import InboxProcessor, OnNewMessage, attach, inbox_processor
from bot.channels.outbox_output import OutboxOutputChannel


class InboxChannel(InputChannel):
    _processor: InboxProcessor | None = None

    @property
    def processor(self) -> InboxProcessor:
        return self._processor or inbox_processor()

    def get_output_channel(self) -> OutputChannel:
        return OutboxOutputChannel(self.name())

    def inbox_blueprint(self, on_new_message: OnNewMessage) -> tuple[Blueprint, InboxProcessor]:
        """The channel's blueprint with its health route, its processor registered and the
        processor's (and sender's) loops tied to the server's life."""
        processor = self.processor
        processor.register(self.name(), on_new_message, self.get_output_channel())
        hook = Blueprint(f"engage_{self.name()}_webhook", __name__)
        attach(hook, processor)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        return hook, processor
