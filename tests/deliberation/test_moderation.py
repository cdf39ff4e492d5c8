"""Moderation: open answers are private until staff approve them; only approved quotes of
Agreed residents ever reach another resident (through the real conversation service and
engine, on a real database); the screen flags personal details and names first."""

from __future__ import annotations

import pytest
from delib_helpers import SLUG, factory, make_db

from bot.conversation import ConversationService
from bot.deliberation import moderation
from bot.privacy.screen import NAME, PHONE, find_names, review_flags
from bot.store.db import transaction
from bot.store.models import QuoteReview, Response

REASONS = {  # resident -> (choice number, reason)
    "a1": ("1", "The buses only come once an hour so I miss appointments"),
    "a2": ("1", "Buses are the only way I can get there"),
    "a3": ("2", "I drive my mum and there is never a space to park"),
    "a4": ("2", "Ring Sam on 07700 900123 about the parking"),
    "a5": ("3", "Taxis cost me twenty pounds each way"),
    "a6": ("3", "I cannot afford the fares on my pension"),
}


def take_part(service: ConversationService, name: str, choice: str, reason: str) -> list[str]:
    said = []
    for text in ("DELIB", "1", "YES", choice, reason):
        said += service.handle(name, "rest", text).messages
    return said


@pytest.fixture
def world(tmp_path):
    url = make_db(tmp_path)
    service = ConversationService(factory(url), tally_ttl=0)
    for name, (choice, reason) in REASONS.items():
        take_part(service, name, choice, reason)
    return url, service


def response_id(url: str, text: str) -> int:
    with transaction(factory(url)) as session:
        return session.query(Response.id).filter(Response.raw_text == text).scalar()


def test_only_approved_reasons_reach_another_resident(world):
    url, service = world
    with transaction(factory(url)) as session:
        pending = moderation.queue(session, SLUG)
        assert {p.text for p in pending} >= {REASONS["a1"][1], REASONS["a3"][1]}
        assert all("07700" not in p.text for p in pending)  # masked even for staff
        moderation.approve(session, SLUG, response_id(url, REASONS["a3"][1]), "officer")
        moderation.approve(session, SLUG, response_id(url, REASONS["a5"][1]), "officer",
                           text="Taxis cost twenty pounds each way")
        moderation.reject(session, SLUG, response_id(url, REASONS["a1"][1]), "officer")
    seen = take_part(service, "newcomer", "1", "Buses are too rare")
    reflect = next(m for m in seen if "Some people said:" in m)
    assert "never a space to park" in reflect and "Taxis cost twenty pounds" in reflect
    everything = "\n".join(seen)
    for name in ("a1", "a2", "a4", "a6"):  # rejected, or never reviewed
        assert REASONS[name][1] not in everything
    assert "Taxis cost me twenty" not in everything  # the staff's words, not the raw answer


def test_a_resident_who_withdraws_takes_their_quote_with_them(world):
    url, service = world
    with transaction(factory(url)) as session:
        moderation.approve(session, SLUG, response_id(url, REASONS["a3"][1]), "officer")
    service.handle("a3", "rest", "STOP")
    seen = "\n".join(take_part(service, "later", "1", "Buses please"))
    assert "never a space to park" not in seen and "Some people said:" not in seen
    with transaction(factory(url)) as session:
        assert moderation.approved_quotes(session, SLUG) == []


def test_a_flagged_answer_needs_redacted_words_or_a_check(world):
    url, _ = world
    flagged = response_id(url, REASONS["a4"][1])
    with transaction(factory(url)) as session:
        [item] = [p for p in moderation.queue(session, SLUG) if p.response_id == flagged]
        assert PHONE in item.flags and NAME in item.flags
        with pytest.raises(moderation.ModerationError, match="personal details"):
            moderation.approve(session, SLUG, flagged, "officer")
    with transaction(factory(url)) as session:
        assert session.query(QuoteReview).count() == 0  # refused: nothing stored
        moderation.approve(session, SLUG, flagged, "officer", text="Ask about the parking")
        moderation.mark_personal(session, SLUG, response_id(url, REASONS["a2"][1]), "officer")
        quotes = moderation.approved_quotes(session, SLUG)
    assert [q.text for q in quotes] == ["Ask about the parking"]


def test_an_answer_of_someone_who_never_agreed_cannot_be_approved(world):
    url, _ = world
    with transaction(factory(url)) as session:
        with pytest.raises(moderation.ModerationError, match="Agreed"):
            moderation.approve(session, SLUG, 999999, "officer")


@pytest.mark.parametrize("text,names", [
    ("My name is Bethan and I live near the Heath", ["Bethan"]),
    ("Dr Okafor was very kind", ["Okafor"]),
    ("ask nurse Jones about it", ["Jones"]),
    ("Mohammed drives me", ["Mohammed"]),
    ("The buses are late", []),
    ("Nazywam się Piotr", ["Piotr"]),
])
def test_names_are_flagged(text, names):
    assert find_names(text) == names
    assert (NAME in review_flags(text)) == bool(names)
