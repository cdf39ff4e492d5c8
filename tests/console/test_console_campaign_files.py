"""Uploading a campaign file or editing it in the browser: the check runs on every save and
shows every error and warning at its line; only a file without errors is stored; a file
that is too big, not text, or hostile YAML gets a plain answer and changes nothing."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from console_helpers import (
    EXAMPLE,
    SLUG,
    add_member,
    audit_rows,
    open_session_for,
    publish_example,
)

from bot.campaigns import drafts
from bot.console import ConsoleSettings, create_app
from bot.store.db import transaction
from bot.store.models import CampaignDraft, CampaignVersion

GOOD = EXAMPLE.read_text(encoding="utf-8")
# The Welsh consent text is missing: an error at the consent's line.
BROKEN = GOOD.replace("id: buses-2026", "id: buses-2027").replace(
    '    cy: "Mae Cyngor Caerdydd', '    xx: "Mae Cyngor Caerdydd', 1)


def laughs(levels: int) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghij"
    for number in range(1, levels):
        lines.append(f"{names[number]}: &{names[number]} [" +
                     ", ".join([f"*{names[number - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def token(client, db, clock) -> str:
    return open_session_for(client, db, add_member(db, "officer", "kim@council.example"),
                            clock())


def stored(db) -> list[tuple[str, str, str]]:
    with transaction(db) as session:
        return [(d.slug, d.source, d.saved_by) for d in session.query(CampaignDraft)]


def upload(client, token: str, data: bytes, name: str = "campaign.yml"):
    return client.post("/new-campaign/upload", data={"csrf_token": token},
                       files={"file": (name, data, "application/x-yaml")})


def test_broken_text_is_what_the_test_means():
    assert "xx:" in BROKEN and BROKEN != GOOD


def test_an_upload_with_an_error_shows_it_at_its_line_and_stores_nothing(client, db, token):
    response = upload(client, token, BROKEN.encode())
    assert response.status_code == 400
    html = response.text
    assert "<title>Error: Upload or write a campaign file" in html
    assert "There are 2 errors: nothing was saved" in html
    lines = BROKEN.split("\n")
    for line, words in ((22, "the consent text is missing the &#34;cy&#34; translation"),
                        (24, "the consent text has a text for &#34;xx&#34;")):
        shown = re.search(rf'<li value="{line}" id="line-{line}" class="has-problem"><code>'
                          rf'([^<]*)</code>\s*<p class="line-problem error"><strong>Error, line '
                          rf'{line}:</strong> ([^<]*)</p>', html)
        assert shown, line
        assert words in shown.group(2)
        assert html_lib.unescape(shown.group(1)) == lines[line - 1]
        assert f'href="#line-{line}" data-line="{line}"' in html  # listed in the summary
    assert "xx: &#34;Mae Cyngor" in html  # the text is back in the editor, escaped
    assert stored(db) == [] and audit_rows(db) == []


def test_fix_in_the_editor_and_save_stores_the_draft_with_its_warnings(client, db, token):
    fixed = BROKEN.replace('    xx: "Mae Cyngor', '    cy: "Mae Cyngor', 1)
    response = client.post("/new-campaign", data={"csrf_token": token, "source": fixed})
    assert response.status_code == 303
    assert response.headers["location"] == "/campaigns/buses-2027/edit?done=saved"
    assert stored(db) == [("buses-2027", fixed, "kim@council.example")]
    assert audit_rows(db)[-1] == ("kim@council.example", "campaign-save", "buses-2027")
    page = client.get(response.headers["location"])
    assert "Saved as a draft. It has no errors" in page.text
    from bot.campaigns.check import check_campaign

    warnings = sum(p.level == "warning" for p in check_campaign(fixed, is_text=True))
    assert warnings > 1 and f"{warnings} warnings" in page.text  # long messages: saved anyway
    listed = client.get("/campaigns")
    assert "buses-2027" in listed.text and "status-draft" in listed.text


def test_an_error_in_an_edit_leaves_the_saved_draft_as_it_was(client, db, token):
    assert upload(client, token, GOOD.encode()).status_code == 303
    before = stored(db)
    response = client.post(f"/campaigns/{SLUG}/edit",
                           data={"csrf_token": token, "source": GOOD.replace("steps:", "stepz:")})
    assert response.status_code == 400
    assert "nothing was saved" in response.text
    assert stored(db) == before


def test_an_edit_that_changes_the_id_makes_a_new_draft(client, db, token):
    publish_example(db)
    response = client.post(f"/campaigns/{SLUG}/edit", data={
        "csrf_token": token, "source": GOOD.replace("id: buses-2026", "id: buses-copy")})
    assert response.headers["location"] == "/campaigns/buses-copy/edit?done=saved-new"
    assert [slug for slug, _, _ in stored(db)] == ["buses-copy"]
    assert "the campaign you opened is unchanged" in client.get(response.headers["location"]).text


def test_the_editor_starts_from_the_published_file_when_there_is_no_draft(client, db, token):
    publish_example(db)
    page = client.get(f"/campaigns/{SLUG}/edit")
    assert page.status_code == 200
    assert "id: buses-2026" in page.text
    assert stored(db) == []  # opening the editor stores nothing


def test_an_option_that_is_a_live_campaigns_keyword_is_an_error(client, db, token):
    publish_example(db, EXAMPLE.parent / "parks-2026.yml")  # keyword PARKS
    clash = GOOD.replace("id: buses-2026", "id: buses-2027").replace(
        'en: "Parking"', 'en: "Parks"', 1)
    response = client.post("/new-campaign", data={"csrf_token": token, "source": clash})
    assert response.status_code == 400
    assert "which is the keyword of the" in response.text
    assert stored(db) == []


HOSTILE = [
    (laughs(6), "aliases"),
    ("a:" + " [" * 200 + "]" * 200 + "\n", "nested more than"),
    ("key: [unclosed\n", "not valid YAML"),
    ("campaigns/buses-2026.yml", "campaign"),  # one line that looks like a file name
    ("/etc/passwd.yml", "campaign"),
    ("id: x\ntitle: \x00\n", "line 2:"),  # once a traceback (PyYAML's reader)
]


@pytest.mark.parametrize("text, words", HOSTILE, ids=lambda v: repr(v)[:20])
def test_hostile_yaml_gets_a_plain_error_and_changes_nothing(client, db, token, text, words):
    for response in (client.post("/new-campaign", data={"csrf_token": token, "source": text}),
                     upload(client, token, text.encode())):
        assert response.status_code == 400, response.text[:500]
        assert "nothing was saved" in response.text
        assert words in response.text
    assert stored(db) == [] and audit_rows(db) == []


def test_a_path_typed_as_the_file_is_never_read_from_disk(db):
    with transaction(db) as session:
        checked = drafts.check_text(session, str(EXAMPLE))
    assert checked.campaign is None  # the example file would have been valid


@pytest.mark.parametrize("data, words", [
    (b"", "The file is empty"),
    (b"id: x\ntitle: caf\xe9\n", "not UTF-8 text (the first problem is on line 2)"),
    (b"x" * (drafts.MAX_UPLOAD_BYTES + 1), "a campaign file is at most 1 MB"),
])
def test_uploads_that_are_not_campaign_files(client, db, token, data, words):
    response = upload(client, token, data)
    assert response.status_code == 400
    assert words in response.text
    assert stored(db) == []


def test_no_file_chosen(client, db, token):
    response = client.post("/new-campaign/upload", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose a campaign file" in response.text


def test_a_body_over_the_console_limit_is_refused_before_it_is_read(db, clock):
    from starlette.testclient import TestClient

    app = create_app(ConsoleSettings(max_body_bytes=50_000), db, clock=clock)
    with TestClient(app, follow_redirects=False) as small:
        csrf = open_session_for(small, db, add_member(db, "officer"), clock())
        response = upload(small, csrf, b"a: b\n" * 20_000)
        assert response.status_code == 413
        assert "That is too large" in response.text
    assert stored(db) == []


def test_a_bom_and_windows_line_endings_are_read(client, db, token):
    data = ("\ufeff" + GOOD.replace("\n", "\r\n")).encode()
    assert upload(client, token, data).status_code == 303
    [(slug, source, _)] = stored(db)
    assert slug == SLUG and source == GOOD


def test_without_the_form_token_nothing_is_saved(client, db, token):
    for response in (client.post("/new-campaign", data={"source": GOOD}),
                     client.post("/new-campaign", data={"source": GOOD, "csrf_token": "x" * 43}),
                     client.post("/new-campaign/upload", files={"file": ("c.yml", GOOD.encode())}),
                     client.post(f"/campaigns/{SLUG}/edit", data={"source": GOOD})):
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert stored(db) == []
    with transaction(db) as session:
        assert session.query(CampaignVersion).count() == 0
