"""`engage audit` and `engage campaign close`: the log as a table; a closed campaign's keyword
gets a kind message through the real engine and database; residents part-way through finish."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns.publishing import publish_files
from bot.catalogue import Catalogue
from bot.cli import main
from bot.conversation import ConversationService
from bot.engine import phrase
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, CampaignVersion, Participant

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "campaign_all_steps.yml"
RESIDENTS = Path(__file__).parent / "fixtures" / "residents.csv"
SLUG, KEYWORD = "test-all-steps", "TESTALL"
THANKS_EN = "Thank you. We will share what we learn in the spring."


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", "staff-test-secret-key")
    monkeypatch.setenv("ENGAGE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENGAGE_ACTOR", "sam")
    return url


@pytest.fixture
def service(url) -> ConversationService:
    publish_files([str(FIXTURE)], url)
    return ConversationService(session_factory(url), Catalogue(check_every=0))


def audit_rows(url: str) -> list[tuple[str, str, str | None]]:
    with transaction(session_factory(url)) as session:
        return [(e.actor, e.action, e.subject)
                for e in session.query(AuditEntry).order_by(AuditEntry.id)]


def statuses(url: str) -> list[str]:
    with transaction(session_factory(url)) as session:
        return [row.status for row in session.query(CampaignVersion).order_by(CampaignVersion.id)]


def say(service: ConversationService, who: str, text: str) -> list[str]:
    return service.handle(who, "rest", text).messages


def test_close_sets_every_version_closed_and_is_audited(url, service, tmp_path, capsys):
    # A second version: someone took part in version 1, then the campaign changed.
    say(service, "p_early", KEYWORD)
    changed = tmp_path / "changed.yml"
    changed.write_text(FIXTURE.read_text().replace("Getting to appointments",
                                                   "Getting to appointments (2)"))
    publish_files([str(changed)], url)
    assert statuses(url) == ["live", "live"]

    assert main(["campaign", "close", SLUG]) == 0
    assert f"Closed {SLUG} (2 version(s))" in capsys.readouterr().out
    assert statuses(url) == ["closed", "closed"]
    assert audit_rows(url) == [("sam", "close", SLUG)]
    assert main(["campaign", "close", SLUG]) == 0
    assert "already closed" in capsys.readouterr().out


def test_closing_an_unknown_campaign_changes_nothing(url, service, capsys):
    assert main(["campaign", "close", "no-such-campaign"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: No campaign called 'no-such-campaign'")
    assert statuses(url) == ["live"] and audit_rows(url) == []


def test_the_keyword_of_a_closed_campaign_gets_a_kind_message(url, service):
    assert any("Cymraeg" in m for m in say(service, "p_before", KEYWORD))
    assert main(["campaign", "close", SLUG]) == 0

    messages = say(service, "p_after", KEYWORD)
    assert messages == [phrase("campaign_closed", "en", title="Getting to appointments"),
                        THANKS_EN]
    assert "has now closed" in messages[0]
    assert say(service, "p_after", " testall! ") == messages  # any spelling of it
    with transaction(session_factory(url)) as session:
        assert session.query(Participant).filter_by(pseudonym="p_after").count() == 0
    # A stranger texting anything else is no longer offered the closed campaign.
    assert say(service, "p_stranger", "hello") == [phrase("no_campaigns", "en")]


def test_residents_part_way_through_a_closed_campaign_may_finish(url, service):
    say(service, "p_welsh", KEYWORD)
    say(service, "p_welsh", "2")  # Cymraeg
    first_step = say(service, "p_welsh", "IE")
    say(service, "p_done", KEYWORD)
    say(service, "p_done", "1")
    say(service, "p_done", "NO")  # declined: not part-way through any more
    assert main(["campaign", "close", SLUG]) == 0

    # Texting the keyword again picks up where they were; answering carries on.
    again = say(service, "p_welsh", KEYWORD)
    assert again and again != say(service, "p_new", KEYWORD)
    assert first_step[-1] in again or any(first_step[-1] in m for m in again)
    assert say(service, "p_welsh", "iawn")
    with transaction(session_factory(url)) as session:
        row = session.query(Participant).filter_by(pseudonym="p_welsh").one()
        assert (row.status, row.language) == ("in_progress", "cy")
    closed = say(service, "p_done", KEYWORD)
    assert closed[0] == phrase("campaign_closed", "en", title="Getting to appointments")


def test_a_closed_campaign_message_uses_the_residents_language(url, service):
    say(service, "p_pl", KEYWORD)
    say(service, "p_pl", "3")  # Polski
    say(service, "p_pl", "NIE")
    assert main(["campaign", "close", SLUG]) == 0
    messages = say(service, "p_pl", KEYWORD)
    assert messages == [phrase("campaign_closed", "pl", title="Dojazd na wizyty"),
                        "Dziękujemy. Wiosną pokażemy, czego się dowiedzieliśmy."]


def test_audit_shows_a_table_newest_first_and_filters(url, service, capsys):
    assert main(["contacts", "import", str(RESIDENTS), "--channel", "sms",
                 "--source", "Library sheet"]) == 0
    assert main(["campaign", "close", SLUG]) == 0
    capsys.readouterr()

    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    header, rule, newest, oldest = out.splitlines()[:4]
    assert header.split()[:3] == ["time", "(UTC)", "who"] and set(rule) <= {"-", " "}
    assert " sam " in newest and " close " in newest and SLUG in newest
    assert " import " in oldest and "Library sheet" in oldest and "imported=5" in oldest
    assert "2 entries, newest first." in out

    assert main(["audit", "--action", "import"]) == 0
    out = capsys.readouterr().out
    assert "import" in out and " close " not in out and "1 entry" in out
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert "No audit entries match." in capsys.readouterr().out
    assert main(["audit", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert " close " in out and " import " not in out and "use --limit for more" in out


@pytest.mark.parametrize("args,message", [
    (["--since", "1/11/2026"], "is not a date like 2026-11-01"),
    (["--limit", "none"], "must be a whole number"),
    (["--limit", "0"], "must be a whole number"),
])
def test_audit_mistakes_get_a_plain_message(url, capsys, args, message):
    assert main(["audit", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err


@pytest.mark.parametrize("command", [["audit"], ["campaign", "close"]], ids=" ".join)
def test_help_has_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"engage {' '.join(command)}" in out


def test_start_after_stop_does_not_rejoin_a_closed_campaign(url, service):
    say(service, "p_stopped", KEYWORD)
    say(service, "p_stopped", "1")
    say(service, "p_stopped", "STOP")
    assert main(["campaign", "close", SLUG]) == 0
    messages = say(service, "p_stopped", "START")
    assert messages[0] == phrase("campaign_closed", "en", title="Getting to appointments")
    with transaction(session_factory(url)) as session:
        (row,) = session.query(Participant).filter_by(pseudonym="p_stopped").all()
        assert row.phase == "opted_out"
