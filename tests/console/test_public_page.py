"""The public results page: officers publish it, anyone reads it at /p/<slug> without
signing in, in each of the campaign's languages; small numbers hidden with complementary
suppression; only approved quotes of residents still Agreed; erasure, the retention purge,
a withdrawal or a changed decision take a quote off the published page; unpublish works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_helpers import add_member, audit_rows, open_session_for
from sharing_helpers import MANY, SLUG, answer_id, campaign_with_answers

from bot.deliberation import moderation, public, themes
from bot.privacy.retention import purge
from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import PublicQuote, PublicResult, utcnow

APPROVED = MANY["park0"][1]  # "I drive my mum and there is never a space to park"
REJECTED = MANY["bus0"][1]
NEVER_REVIEWED = MANY["bus1"][1]
NEXT = {"en": "We will choose in March.\nWe will text you what we decided.",
        "cy": "Byddwn ni'n dewis ym mis Mawrth."}


@pytest.fixture(scope="module")
def template_db(migrated_sqlite, tmp_path_factory):
    """The campaign answered by 14 residents, once for the module (a copy per test)."""
    import shutil

    from bot.store.db import engine_for, session_factory

    path = tmp_path_factory.mktemp("public") / "engage.db"
    shutil.copy(migrated_sqlite, path)
    db = session_factory(f"sqlite:///{path}")
    campaign_with_answers(db, MANY)
    with transaction(db) as session:
        themes.run(session, SLUG, by="test")
    engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def db(template_db, tmp_path):
    import shutil

    from bot.store.db import engine_for, session_factory

    path = tmp_path / "engage.db"
    shutil.copy(template_db, path)
    yield session_factory(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()


def officer(client, db, clock) -> str:
    return open_session_for(client, db, add_member(db, "officer", "officer@council.example"),
                            clock())


def review(db) -> None:
    with transaction(db) as session:
        moderation.approve(session, SLUG, answer_id(db, APPROVED), "officer",
                           translations={"cy": "Does dim lle i barcio byth"})
        moderation.approve(session, SLUG, answer_id(db, MANY["cost0"][1]), "officer")
        moderation.reject(session, SLUG, answer_id(db, REJECTED), "officer")


def publish(client, token, texts=NEXT):
    return client.post(f"/sharing/{SLUG}/public/publish",
                       data={"csrf_token": token, **{f"next-{k}": v for k, v in texts.items()}})


def test_an_officer_publishes_and_anyone_reads_it_without_signing_in(client, db, clock):
    review(db)
    token = officer(client, db, clock)
    response = publish(client, token)
    assert response.headers["location"] == f"/sharing/{SLUG}/public?done=published"
    settings = client.get(response.headers["location"]).text
    assert "The results page is published." in settings and f'href="/p/{SLUG}"' in settings
    client.cookies.clear()
    page = client.get(f"/p/{SLUG}")
    assert page.status_code == 200 and "set-cookie" not in page.headers
    html = page.text
    assert '<html lang="en" dir="ltr">' in html
    assert "Results: Getting to appointments" in html and "We will choose in March." in html
    assert "What one change would help most?" in html
    assert "<svg class=\"chart\" role=\"img\"" in html and "<caption" in html  # chart + table
    assert "People who took part: 14." in html
    assert APPROVED in html and MANY["cost0"][1] in html
    assert REJECTED not in html and NEVER_REVIEWED not in html
    assert "07700" not in html
    assert ("publish" in [a for _, a, _ in audit_rows(db)])


def test_the_page_is_in_each_of_the_campaign_languages(client, db, clock):
    review(db)
    publish(client, officer(client, db, clock))
    client.cookies.clear()
    welsh = client.get(f"/p/{SLUG}?lang=cy").text
    assert '<html lang="cy" dir="ltr">' in welsh
    assert "Canlyniadau: Cyrraedd apwyntiadau" in welsh and "Pa un newid fyddai" in welsh
    assert "Mwy o fysiau" in welsh  # option labels in Welsh
    assert "Does dim lle i barcio byth" in welsh  # staff's translation of the quote
    assert "Byddwn ni&#39;n dewis ym mis Mawrth." in welsh
    assert f'href="/p/{SLUG}?lang=pl" lang="pl" hreflang="pl"' in welsh  # the switch
    arabic = client.get(f"/p/{SLUG}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic and "النتائج" in arabic
    assert '<div lang="en" dir="auto">' in arabic and "We will choose" in arabic  # no Arabic
    assert "(مكتوب بـEnglish)" in arabic  # a quote with no translation, as written
    assert client.get(f"/p/{SLUG}?lang=xx").text.startswith("<!doctype html>\n<html lang=\"en\"")


def test_small_numbers_are_hidden_and_never_stored(client, db, clock):
    publish(client, officer(client, db, clock))
    with transaction(db) as session:
        content = public.published(session, SLUG).content
    cells = []

    def walk(value):
        if isinstance(value, dict):
            if "hidden" in value or "n" in value:
                cells.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(content)
    assert all(("n" in c) != ("hidden" in c) for c in cells)  # a hidden count has no number
    assert all(c["n"] == 0 or c["n"] >= 5 for c in cells if "n" in c)
    fix = next(q for q in content["questions"] if q["id"] == "fix")
    # 6 buses + 5 parking + 3 costs = 14 answered, which is shown: "fewer than 5" alone
    # would give costs away (14 - 6 - 5), so parking is hidden too, as "not shown"
    assert fix["answered"] == {"n": 14}
    assert [b["count"] for b in fix["bars"]] == [{"n": 6}, {"hidden": "complement"},
                                                 {"hidden": "few"}]
    assert [b["share"] for b in fix["bars"]] == [round(6 / 14, 4), None, None]
    client.cookies.clear()
    html = client.get(f"/p/{SLUG}").text
    assert '<td class="num">not shown</td>' in html and '<td class="num">fewer than 5</td>' in html


def test_revisit_movement_is_on_the_page(client, db, clock):
    publish(client, officer(client, db, clock))
    client.cookies.clear()
    html = client.get(f"/p/{SLUG}").text
    assert "We asked again at the end:" in html and "How answers changed" in html
    with transaction(db) as session:
        content = public.published(session, SLUG).content
    again = next(q for q in content["questions"] if q["type"] == "revisit")
    assert again["moved"] == {"n": 5} and again["stayed"] == {"n": 9}


def test_erasure_and_the_purge_take_quotes_off_the_published_page(client, db, clock):
    review(db)
    publish(client, officer(client, db, clock))
    client.cookies.clear()
    assert APPROVED in client.get(f"/p/{SLUG}").text
    with transaction(db) as session:
        erase_pseudonym(session, "park0", "staff")
    html = client.get(f"/p/{SLUG}").text
    assert APPROVED not in html and MANY["cost0"][1] in html
    with transaction(db) as session:
        assert [q.text for q in session.query(PublicQuote)] == [MANY["cost0"][1]]
        purge(session, now=utcnow() + timedelta(days=31))  # retention is 30 days
    assert MANY["cost0"][1] not in client.get(f"/p/{SLUG}").text
    with transaction(db) as session:
        assert session.query(PublicQuote).count() == 0
        assert session.query(PublicResult).count() == 1  # the figures stay published


def test_a_changed_decision_or_a_withdrawal_takes_a_quote_off_at_once(client, db, clock):
    review(db)
    publish(client, officer(client, db, clock))
    with transaction(db) as session:
        moderation.reject(session, SLUG, answer_id(db, APPROVED), "officer")
    from bot.conversation import ConversationService

    ConversationService(db).handle("cost0", "rest", "STOP")
    client.cookies.clear()
    html = client.get(f"/p/{SLUG}").text
    assert APPROVED not in html and MANY["cost0"][1] not in html
    assert "No answers have been chosen for quoting yet." in html


def test_unpublish_and_mistakes(client, db, clock):
    token = officer(client, db, clock)
    before = audit_rows(db)
    response = publish(client, token, {"en": "  "})
    assert response.status_code == 400 and "Write what happens next in English" in response.text
    response = publish(client, token, {"en": "x" * 2001})
    assert response.status_code == 400 and "keep it to 2000" in response.text
    assert client.post(f"/sharing/{SLUG}/public/unpublish",
                       data={"csrf_token": token}).status_code == 400
    assert audit_rows(db) == before
    with transaction(db) as session:
        assert public.published(session, SLUG) is None
    publish(client, token)
    response = client.post(f"/sharing/{SLUG}/public/unpublish", data={"csrf_token": token})
    assert response.headers["location"] == f"/sharing/{SLUG}/public?done=unpublished"
    client.cookies.clear()
    gone = client.get(f"/p/{SLUG}")
    assert gone.status_code == 404 and "These results are not published." in gone.text
    assert client.get("/p/no-such-campaign?lang=cy").status_code == 404
    with transaction(db) as session:
        assert session.query(PublicQuote).count() == 0
    assert [a for _, a, _ in audit_rows(db)][-2:] == ["publish", "unpublish"]


def test_publishing_again_updates_the_figures_and_keeps_the_address(client, db, clock):
    token = officer(client, db, clock)
    publish(client, token)
    review(db)
    assert APPROVED not in client.get(f"/p/{SLUG}").text  # approved after: not published yet
    page = client.get(f"/sharing/{SLUG}/public").text
    assert "We will choose in March." in page  # the last words, to edit
    publish(client, token, {"en": "Changed."})
    html = client.get(f"/p/{SLUG}").text
    assert APPROVED in html and "Changed." in html
    with transaction(db) as session:
        assert session.query(PublicResult).count() == 1


def test_viewers_preview_but_do_not_publish(client, db, clock):
    token = open_session_for(client, db, add_member(db, "viewer"), clock())
    preview = client.get(f"/sharing/{SLUG}/public/preview?lang=pl")
    assert preview.status_code == 200 and "Podgląd: to nie jest opublikowane." in preview.text
    assert "Publish the results page" not in client.get(f"/sharing/{SLUG}/public").text
    assert publish(client, token).status_code == 403
    with transaction(db) as session:
        assert public.published(session, SLUG) is None
