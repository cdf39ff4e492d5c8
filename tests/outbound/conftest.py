"""Outbound tests run on a fresh SQLite file, against the fake provider APIs."""

from __future__ import annotations

from fakes import fake_telegram, fake_twilio  # noqa: F401  (fixtures)


