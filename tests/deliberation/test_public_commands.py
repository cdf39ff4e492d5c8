"""`engage public publish / unpublish / export` and the page's own words in every shipped
language."""

from __future__ import annotations

import re
import string

import pytest
from delib_helpers import SLUG, factory, make_db, resident

from bot.cli import main
from bot.deliberation import moderation, public
from bot.store.db import transaction
from bot.store.models import AuditEntry, Response

SHIPPED = ("en", "cy", "pl", "ar", "ro")


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = make_db(tmp_path)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    with transaction(factory(url)) as session:
        for number in range(7):
            resident(session, f"r{number}", {"fix": "buses", "ideas": f"more buses please {number}"})
    with transaction(factory(url)) as session:
        answer = session.query(Response).filter_by(step_id="ideas").first()
        moderation.approve(session, SLUG, answer.id, "officer",
                           translations={"cy": "mwy o fysiau os gwelwch yn dda"})
    return url


def test_publish_export_and_unpublish_from_a_terminal(url, tmp_path, capsys):
    texts = tmp_path / "next.yml"
    texts.write_text("en: We will decide in March.\ncy: Byddwn ni'n penderfynu ym mis Mawrth.\n",
                     encoding="utf-8")
    assert main(["public", "publish", SLUG, "--what-next", str(texts), "--dry-run"]) == 0
    assert "Would publish" in capsys.readouterr().out
    with transaction(factory(url)) as session:
        assert public.published(session, SLUG) is None
    assert main(["public", "publish", SLUG, "--what-next", str(texts)]) == 0
    said = capsys.readouterr().out
    assert "1 approved quotes, in en, cy, pl, ar, ro" in said and f"/p/{SLUG}" in said
    out = tmp_path / "copies"
    out.mkdir()
    assert main(["public", "export", SLUG, "--folder", str(out)]) == 0
    assert "erasure cannot reach them" in capsys.readouterr().out
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{SLUG}.{code}.html" for code in sorted(SHIPPED)]
    welsh = (out / f"{SLUG}.cy.html").read_text(encoding="utf-8")
    assert "<style>" in welsh and 'href="/static/' not in welsh  # travels alone
    assert f'href="{SLUG}.pl.html"' in welsh and "mwy o fysiau os gwelwch yn dda" in welsh
    assert main(["public", "unpublish", SLUG]) == 0
    assert main(["public", "unpublish", SLUG]) == 1
    assert "no public results page" in capsys.readouterr().err
    with transaction(factory(url)) as session:
        assert [e.action for e in session.query(AuditEntry)] == [
            "quote-approve", "publish", "unpublish"]


def test_publish_mistakes_publish_nothing(url, tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    for content, words in [("- a list", "one text per language"),
                           ("en: [1, 2]", "should be followed by text"),
                           ("cy: Dim ond Cymraeg", "Write what happens next in English"),
                           ("en: ok\nxx: what", "'xx' is not one of the campaign's languages"),
                           (": : :", "not a YAML file")]:
        bad.write_text(content, encoding="utf-8")
        assert main(["public", "publish", SLUG, "--what-next", str(bad)]) == 1, content
        assert words in capsys.readouterr().err, content
    assert main(["public", "publish", SLUG, "--what-next", str(tmp_path / "none.yml")]) == 1
    assert main(["public", "export", SLUG, "--folder", str(tmp_path)]) == 1
    assert "has no published results page" in capsys.readouterr().err
    with transaction(factory(url)) as session:
        assert public.published(session, SLUG) is None
        assert [e.action for e in session.query(AuditEntry)] == ["quote-approve"]


def test_the_page_words_exist_in_every_shipped_language_with_the_same_fields():
    english = public.words("en")
    for code in SHIPPED:
        said = public.words(code)
        for key, text in public._all_words().items():
            assert code in text, (key, code)
            fields = {f for _, f, _, _ in string.Formatter().parse(text[code]) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}, \
                (key, code)
        assert not re.search(r"[\u2018\u2019]", said["how_small"])
