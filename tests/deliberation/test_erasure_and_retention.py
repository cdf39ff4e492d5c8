"""Erasure and the retention purge remove quote reviews, theme assignments, public quotes
and follow-up opt-ins with the answers and participations they belong to."""

from __future__ import annotations

from datetime import timedelta

from delib_helpers import SLUG, factory, make_db, resident

from bot.privacy.retention import purge
from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import (
    FollowUpOptIn,
    PublicQuote,
    PublicResult,
    QuoteReview,
    Response,
    Theme,
    ThemeAssignment,
    utcnow,
)

TABLES = (QuoteReview, ThemeAssignment, PublicQuote, FollowUpOptIn)


def seed(session, name: str, when=None) -> None:
    participant = resident(session, name, {"ideas": "more parking at the hospital please"},
                           when=when)
    response = session.query(Response).filter_by(participant_id=participant.id).one()
    theme = Theme(slug=SLUG, step_id="ideas", language="en", origin="auto", terms=["parking"])
    page = session.query(PublicResult).filter_by(slug=SLUG).one_or_none()
    if page is None:
        page = PublicResult(slug=SLUG, content={}, published_by="officer")
    session.add_all([theme, page])
    session.flush()
    session.add_all([
        QuoteReview(response_id=response.id, status="approved", text="more parking",
                    reviewed_by="officer"),
        ThemeAssignment(response_id=response.id, theme_id=theme.id, by_staff=True),
        PublicQuote(public_result_id=page.id, response_id=response.id, step_id="ideas",
                    text="more parking", language="en"),
        FollowUpOptIn(participant_id=participant.id, language="en")])
    session.flush()


def counts(url: str) -> list[int]:
    with transaction(factory(url)) as session:
        return [session.query(table).count() for table in TABLES]


def test_erasure_removes_everything_deliberation_holds_about_the_resident(tmp_path):
    url = make_db(tmp_path)
    with transaction(factory(url)) as session:
        seed(session, "gone")
        seed(session, "stays")
    assert counts(url) == [2, 2, 2, 2]
    with transaction(factory(url)) as session:
        erase_pseudonym(session, "gone", "staff")
    assert counts(url) == [1, 1, 1, 1]


def test_the_retention_purge_removes_them_with_the_answers(tmp_path):
    url = make_db(tmp_path)
    with transaction(factory(url)) as session:
        seed(session, "old", when=utcnow() - timedelta(days=40))  # retention is 30 days
        seed(session, "new")
    with transaction(factory(url)) as session:
        purge(session)
    assert counts(url) == [1, 1, 1, 1]
