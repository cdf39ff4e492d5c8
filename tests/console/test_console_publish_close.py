"""Publishing a saved draft (bot.campaigns.publishing: a new version once residents have
taken part) and closing a campaign (bot.campaigns.closing), each after a page that says what
will happen; both in the audit log under the staff member's name."""

from __future__ import annotations

import pytest
from console_helpers import EXAMPLE, SLUG, add_member, audit_rows, open_session_for

from bot.store.db import transaction
from bot.store.models import AuditEntry, CampaignDraft, CampaignVersion, Participant

GOOD = EXAMPLE.read_text(encoding="utf-8")
KIM = "kim@council.example"


@pytest.fixture
def token(client, db, clock) -> str:
    return open_session_for(client, db, add_member(db, "officer", KIM), clock())


def save(client, token: str, text: str = GOOD) -> None:
    response = client.post("/new-campaign", data={"csrf_token": token, "source": text})
    assert response.status_code == 303, response.text[:500]


def versions(db) -> list[tuple[int, str]]:
    with transaction(db) as session:
        return [(v.version, v.status) for v in
                session.query(CampaignVersion).filter_by(slug=SLUG).order_by(CampaignVersion.version)]


def publish(client, token: str):
    return client.post(f"/campaigns/{SLUG}/publish", data={"csrf_token": token})


def join(db, pseudonym: str, version: int = 1) -> None:
    with transaction(db) as session:
        row = session.query(CampaignVersion).filter_by(slug=SLUG, version=version).one()
        session.add(Participant(pseudonym=pseudonym, campaign_id=row.id, channel="rest",
                                language="en", phase="in_step", state={}))


def test_save_then_publish_after_seeing_what_will_happen(client, db, token):
    save(client, token)
    page = client.get(f"/campaigns/{SLUG}")
    assert "Publish the saved draft" in page.text
    confirm = client.get(f"/campaigns/{SLUG}/publish")
    assert "It becomes version 1, and is live at once" in confirm.text
    assert versions(db) == []  # asking changed nothing
    done = publish(client, token)
    assert done.headers["location"] == f"/campaigns/{SLUG}?done=published-created"
    assert versions(db) == [(1, "live")]
    assert audit_rows(db)[-1] == (KIM, "publish", SLUG)
    page = client.get(done.headers["location"])
    assert "Published. It is live" in page.text
    assert "Publish the saved draft" not in page.text  # nothing left to publish
    assert "status-live" in client.get("/campaigns").text


def test_a_change_nobody_has_seen_is_made_in_place(client, db, token):
    save(client, token)
    publish(client, token)
    join(db, "test-" + "t" * 24)  # only staff's own test: not a resident
    save(client, token, GOOD.replace("How do you usually get", "How do you get"))
    assert "is changed in place" in client.get(f"/campaigns/{SLUG}/publish").text
    assert publish(client, token).headers["location"].endswith("done=published-updated")
    assert versions(db) == [(1, "live")]
    with transaction(db) as session:
        assert session.query(Participant).count() == 0  # the test began on the old text


def test_once_residents_took_part_a_new_version_is_made(client, db, token):
    save(client, token)
    publish(client, token)
    join(db, "a" * 64)
    save(client, token, GOOD.replace("How do you usually get", "How do you get"))
    confirm = client.get(f"/campaigns/{SLUG}/publish")
    assert "Residents have taken part in version 1, so this becomes version 2" in confirm.text
    publish(client, token)
    assert versions(db) == [(1, "live"), (2, "live")]
    with transaction(db) as session:
        assert session.query(Participant).count() == 1  # the resident carries on in v1


def test_publishing_is_refused_when_a_live_campaign_took_its_words_since(client, db, token):
    save(client, token, GOOD.replace('en: "Parking"', 'en: "Parks"', 1))
    save(client, token, (EXAMPLE.parent / "parks-2026.yml").read_text(encoding="utf-8"))
    assert client.post("/campaigns/parks-2026/publish",
                       data={"csrf_token": token}).status_code == 303  # keyword PARKS
    refused = publish(client, token)
    assert refused.status_code == 400
    assert "It cannot be published: nothing changed" in refused.text
    assert "which is the keyword of the" in refused.text
    assert versions(db) == []
    assert client.get(f"/campaigns/{SLUG}/publish").status_code == 400


def test_nothing_to_publish_says_so(client, db, token):
    save(client, token)
    publish(client, token)
    confirm = client.get(f"/campaigns/{SLUG}/publish")
    assert "there is nothing to publish" in confirm.text
    assert "Publish it now" not in confirm.text


def test_close_after_seeing_what_it_means(client, db, token):
    save(client, token)
    publish(client, token)
    confirm = client.get(f"/campaigns/{SLUG}/close")
    assert "Residents part-way through may finish" in confirm.text
    done = client.post(f"/campaigns/{SLUG}/close", data={"csrf_token": token})
    assert done.headers["location"] == f"/campaigns/{SLUG}?done=closed"
    assert versions(db) == [(1, "closed")]
    with transaction(db) as session:
        entry = session.query(AuditEntry).filter_by(action="close").one()
        assert entry.actor == KIM and entry.subject == SLUG
    again = client.post(f"/campaigns/{SLUG}/close", data={"csrf_token": token})
    assert again.headers["location"].endswith("done=already-closed")
    assert "Close the campaign" not in client.get(f"/campaigns/{SLUG}").text


def test_a_draft_cannot_be_closed(client, db, token):
    save(client, token)
    for response in (client.get(f"/campaigns/{SLUG}/close"),
                     client.post(f"/campaigns/{SLUG}/close", data={"csrf_token": token})):
        assert response.status_code == 400
        assert "A draft cannot be closed" in response.text
    with transaction(db) as session:
        assert session.query(CampaignDraft).count() == 1


def test_without_the_form_token_nothing_is_published_or_closed(client, db, token):
    save(client, token)
    before = audit_rows(db)
    assert client.post(f"/campaigns/{SLUG}/publish", data={}).status_code == 403
    assert versions(db) == []
    publish(client, token)
    assert client.post(f"/campaigns/{SLUG}/close", data={"csrf_token": "x" * 43}).status_code == 403
    assert versions(db) == [(1, "live")]
    assert len(audit_rows(db)) == len(before) + 1
