"""A failed transaction must not break the campaign cache: new residents can still join
after a publish followed by a rollback (the cache holds plain data, not session rows)."""

from __future__ import annotations

import pytest
from conversation_helpers import ALL_STEPS, BUSES, participants, publish

from bot.catalogue import Catalogue
from bot.conversation import ConversationService
from bot.store.db import transaction


class Failed(Exception):
    pass


def test_a_rollback_after_a_publish_then_a_new_resident_joins(any_factory):
    factory = any_factory
    publish(factory)
    catalogue = Catalogue(check_every=0)
    convo = ConversationService(factory, catalogue)
    assert convo.handle("p_first", "rest", "TESTALL").messages
    publish(factory, ALL_STEPS, BUSES)  # a new revision: the next turn reloads the cache
    with pytest.raises(Failed), transaction(factory) as session:
        catalogue.refresh(session)  # the turn that reloaded it...
        raise Failed  # ...fails, and its transaction rolls back
    for name, keyword in (("p_second", "TESTALL"), ("p_third", "BUSES")):
        result = convo.handle(name, "rest", keyword)
        assert result.messages[0].startswith("Choose your language:")
    assert [p.pseudonym for p in participants(factory)] == ["p_first", "p_second", "p_third"]


def test_a_failed_turn_on_postgres_then_a_new_resident_joins(postgres_url):
    """A real failing turn: PostgreSQL refuses a channel name longer than its column."""
    from databases import fresh_postgres_database

    from bot.store.db import session_factory
    with fresh_postgres_database(postgres_url) as url:
        factory = session_factory(url)
        publish(factory)
        convo = ConversationService(factory, Catalogue(check_every=0))
        with pytest.raises(Exception, match="too long"):
            convo.handle("p_first", "x" * 40, "TESTALL")
        assert convo.handle("p_second", "rest", "TESTALL").messages
        assert [p.pseudonym for p in participants(factory)] == ["p_second"]
