"""The webhook fuzz suite: one running stack (Rasa server, action server, SQLite, the fake
Twilio and Telegram APIs) for every module here, with a resident already in conversation on
SMS and on Telegram so that there is stored data to protect, and delivery reports to aim at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e.provider_stack import PUBLIC_URL, Provider, provider_stack
from fakes.signing import telegram_start_update, telegram_text_update
from fuzz_helpers import (
    SMS_RESIDENT,
    TELEGRAM_RESIDENT,
    WHATSAPP_RESIDENT,
    StoredData,
    figures_table,
    write_report,
)


@dataclass
class FuzzStack:
    provider: Provider
    stored: StoredData
    sent_sids: list[str]  # delivery reports for these would change the outbox

    @property
    def base_url(self) -> str:
        return self.provider.stack.config.rasa_url

    @property
    def public_url(self) -> str:
        return PUBLIC_URL


@pytest.fixture(scope="package")
def fuzz_stack(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[FuzzStack]:
    with provider_stack(rasa_model, tmp_path_factory.mktemp("fuzz")) as provider:
        stored = StoredData(provider.stack.config.database_url)
        for message in ("BUSES", "1"):
            assert provider.sms(SMS_RESIDENT, message) == 200
            assert provider.whatsapp(WHATSAPP_RESIDENT, message) == 200
        assert provider.tg(telegram_start_update(TELEGRAM_RESIDENT, "BUSES")) == 200
        assert provider.tg(telegram_text_update(TELEGRAM_RESIDENT, "1")) == 200
        stored.settle()
        sids = [message.sid for message in provider.twilio.accepted]
        assert sids, "the residents were not answered"
        try:
            yield FuzzStack(provider, stored, sids)
        finally:
            stored.dispose()
            write_report()


def pytest_terminal_summary(terminalreporter) -> None:
    lines = figures_table()
    if len(lines) > 1:
        terminalreporter.write_sep("-", "webhook fuzz figures")
        for line in lines:
            terminalreporter.write_line(line)
