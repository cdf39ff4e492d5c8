"""The campaign list and a campaign's page: status (draft, live, closed), versions,
languages, keywords and the headline counts, which come from bot.stages and leave out
staff's own test conversations."""

from __future__ import annotations

from datetime import datetime

from console_helpers import SLUG, add_member, open_session_for, publish_example

from bot.campaigns import overview
from bot.store.db import transaction
from bot.store.models import CampaignDraft, CampaignVersion, Participant

WROTE = datetime(2026, 11, 20, 10, 0)
PARKS_DRAFT = (open("campaigns/parks-2026.yml", encoding="utf-8").read()
               .replace("id: parks-2026", "id: parks-2027"))


def add_participations(db, slug: str) -> None:
    """Two residents who agreed (one finished), one who said no, one invited who never
    replied, and a finished test conversation, which must count nowhere."""
    with transaction(db) as session:
        version = session.query(CampaignVersion).filter_by(slug=slug).one()
        for name, consent, status, wrote in (
                ("a" * 64, "given", "completed", WROTE), ("b" * 64, "given", "in_progress", WROTE),
                ("c" * 64, "declined", "declined", WROTE), ("d" * 64, "none", "in_progress", None),
                ("test-" + "t" * 20, "given", "completed", WROTE)):
            session.add(Participant(pseudonym=name, campaign_id=version.id, channel="rest",
                                    language="en", phase="x", consent=consent, status=status,
                                    state={}, last_message_at=wrote))


def signed_in_officer(client, db, clock) -> None:
    open_session_for(client, db, add_member(db, "officer"), clock())


def test_the_list_shows_every_campaign_with_status_and_stage_counts(client, db, clock):
    publish_example(db)
    add_participations(db, SLUG)
    with transaction(db) as session:
        session.add(CampaignDraft(slug="parks-2027", source=PARKS_DRAFT, saved_by="kim",
                                  saved_at=WROTE))
        closed = CampaignVersion(slug="old-2025", version=1, checksum="x", status="closed",
                                 definition=session.query(CampaignVersion).filter_by(
                                     slug=SLUG).one().definition | {"id": "old-2025"})
        session.add(closed)
    with transaction(db) as session:
        found = overview.campaign_list(session)
    assert [(c.slug, c.status) for c in found] == [
        (SLUG, "live"), ("parks-2027", "draft"), ("old-2025", "closed")]
    buses = found[0]
    assert buses.versions == [1]
    assert buses.languages == ["en", "cy", "pl", "ar"]
    assert buses.keywords == ["BUSES", "TRAVEL", "TEITHIO"]
    assert [(h.stage.name, h.count) for h in buses.counts] == [
        ("Started", 3), ("Agreed", 2), ("Finished", 1)]  # the test conversation is not there
    assert found[1].versions == [] and found[1].unpublished_changes

    signed_in_officer(client, db, clock)
    page = client.get("/campaigns")
    assert page.status_code == 200
    text = page.text
    for words in ("Getting to GP and hospital appointments", "buses-2026", "BUSES, TRAVEL, TEITHIO",
                  '<span class="tag status-draft">Draft</span>', "none published",
                  '<span lang="ar">العربية</span>', '<td data-label="Started" class="number">3</td>',
                  '<td data-label="Agreed" class="number">2</td>'):
        assert words in text, words
    assert text.index("buses-2026") < text.index("parks-2027") < text.index("old-2025")


def test_an_empty_list_says_what_to_do_first(client, db, clock):
    signed_in_officer(client, db, clock)
    page = client.get("/campaigns")
    assert "No campaigns yet" in page.text
    assert 'href="/new-campaign"' in page.text


def test_a_campaign_page_and_an_unknown_one(client, db, clock):
    publish_example(db)
    signed_in_officer(client, db, clock)
    page = client.get(f"/campaigns/{SLUG}")
    assert page.status_code == 200
    assert "Live: residents can take part." in page.text
    missing = client.get("/campaigns/no-such-thing")
    assert missing.status_code == 404
    assert "There is no campaign with the id <code>no-such-thing</code>" in missing.text
    hostile = client.get("/campaigns/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert hostile.status_code == 404
    assert "<script>alert" not in hostile.text


def test_test_answers_are_not_in_the_tallies_residents_see(db):
    """A reflect step shows residents what others chose: never what staff chose in Try it."""
    from bot.store.models import Response
    from bot.store.repository import ResponseRepository

    publish_example(db)
    with transaction(db) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        for name in ("a" * 64, "test-" + "t" * 20):
            person = Participant(pseudonym=name, campaign_id=version.id, channel="rest",
                                 language="en", phase="x", state={})
            session.add(person)
            session.flush()
            session.add(Response(participant_id=person.id, campaign_id=version.id,
                                 step_id="first_fix", raw_text="1", value="buses",
                                 language="en"))
    with transaction(db) as session:
        assert ResponseRepository(session).tallies(SLUG, "first_fix") == {"buses": 1}
