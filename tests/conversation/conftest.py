"""Conversation service tests: the real ConversationService on a fresh SQLite file and, where
a test asks for `any_factory`, on a fresh PostgreSQL database too."""

from __future__ import annotations

from fakes import fake_telegram, fake_twilio  # noqa: F401  (fixtures)



