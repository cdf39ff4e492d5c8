"""The public results page: its content, built from the same figures staff see and
protected by the same small-number rule, published as a snapshot in the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.store.models import PublicResult


def published(session: Session, slug: str) -> PublicResult | None:
    """The campaign's published page, if it has one."""
    return session.query(PublicResult).filter_by(slug=slug).one_or_none()
