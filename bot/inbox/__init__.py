"""The inbox's old import path, kept only because a deployment's credentials.yml may still
name `bot.inbox.InboxReplayInput`. The inbox lives beside the channels: bot/channels/inbox.py.
Import from there; nothing else belongs here."""

from bot.channels.inbox import InboxReplayInput

__all__ = ["InboxReplayInput"]
