"""Fixtures for engine tests: the all-steps campaign and variants of it."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import FIVE_LANGUAGES

from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign


@pytest.fixture(scope="session")
def five() -> Campaign:
    return load_campaign(FIVE_LANGUAGES)


@pytest.fixture(scope="session")
def english_only(campaign) -> Campaign:
    return dataclasses.replace(campaign, languages=("en",))
