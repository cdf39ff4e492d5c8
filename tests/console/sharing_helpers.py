"""A console database with the deliberation test campaign published and residents who took
part through the real conversation service (REST channel): choices, reasons, ideas."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.campaigns.publishing import publish_files
from bot.conversation import ConversationService
from bot.store.db import transaction
from bot.store.models import Response

CAMPAIGN = Path(__file__).resolve().parents[1] / "deliberation" / "data" / "deliberation.yml"
SLUG = "delib-test"
# resident -> (choice, reason, idea); enough answers that every question is shown
PEOPLE = {
    "p1": ("1", "The buses only come once an hour so I miss appointments", "buses every evening"),
    "p2": ("1", "Buses are the only way I can get there", "more buses on sunday"),
    "p3": ("2", "I drive my mum and there is never a space to park", "free parking for patients"),
    "p4": ("2", "Ring Sam on 07700 900123 about the parking", "parking costs too much"),
    "p5": ("3", "Taxis cost me twenty pounds each way", "parking at the hospital is full"),
    "p6": ("3", "I cannot afford the fares on my pension", "a direct bus to the hospital"),
}


def url_of(db: sessionmaker) -> str:
    return db.kw["bind"].url.render_as_string(hide_password=False)


def take_part(service: ConversationService, name: str, choice: str, reason: str,
              idea: str = "more buses please", again: str = "1",
              channel: str = "rest") -> list[str]:
    """The whole campaign as a resident: keyword, English, consent, then each question."""
    said = []
    for text in ("DELIB", "1", "YES", choice, reason):
        said += service.handle(name, channel, text).messages
    if any("Does this change your view?" in m or "Some people said" in m for m in said[-1:]):
        said += service.handle(name, channel, "NO").messages
    for text in (idea, again):
        said += service.handle(name, channel, text).messages
    return said


def campaign_with_answers(db: sessionmaker, people: dict | None = None) -> ConversationService:
    publish_files([str(CAMPAIGN)], url_of(db))
    service = ConversationService(db, tally_ttl=0)
    for name, (choice, reason, idea) in (people or PEOPLE).items():
        take_part(service, name, choice, reason, idea)
    return service


def answer_id(db: sessionmaker, text: str) -> int:
    with transaction(db) as session:
        found = session.query(Response.id).filter(Response.raw_text == text).scalar()
    assert found is not None, text
    return found
