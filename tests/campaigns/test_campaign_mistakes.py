"""`engage campaign check` catches what docs/campaign-format.md calls mistakes, in every
language of the campaign: written-out reply instructions, consent without STOP or DELETE or
with the wrong number of days, option words that are keywords (this campaign's, or another
live campaign's); warnings name their field, the reading age does not contradict itself, and
"did you mean" suggests the type that fits."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.campaigns.check import check_campaign
from bot.campaigns.loader import load_campaign
from bot.campaigns.problems import CampaignInvalid
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent.parent
ENGAGE = str(Path(sys.executable).parent / "engage")

# Five languages, consent in each saying STOP, DELETE and 30 days, as the bot writes them.
HEAD = """\
id: mistakes
title: {en: Buses, cy: Bysiau, pl: Autobusy, ar: الحافلات, ro: Autobuze}
organisation: {en: Council, cy: Cyngor, pl: Rada, ar: المجلس, ro: Consiliul}
languages: [en, cy, pl, ar, ro]
keywords: [MISTAKE]
retention_days: 30
consent:
  version: "1"
  text:
    en: "Kept 30 days. Text STOP to stop, DELETE to delete."
    cy: "Am 30 diwrnod. STOP i stopio, DILEU i ddileu."
    pl: "30 dni. STOP lub USUŃ."
    ar: "30 يومًا. توقف أو حذف."
    ro: "30 de zile. STOP sau ȘTERGE."
thanks: {en: Thanks, cy: Diolch, pl: Dziękujemy, ar: شكرا, ro: Mulțumim}
steps:
"""
OPTIONS = """\
    options:
      - {id: bus, text: {en: Bus, cy: Bws, pl: Autobus, ar: حافلة, ro: Autobuz}}
      - {id: walk, text: {en: Walk, cy: Cerdded, pl: Pieszo, ar: مشيا, ro: Pe jos}}
      - {id: car, text: {en: Car, cy: Car, pl: Auto, ar: سيارة, ro: Mașina}}
      - {id: taxi, text: {en: Taxi, cy: Tacsi, pl: Taksówka, ar: تاكسي, ro: Taxi}}
"""
QUESTION = {"en": "How do you get there?", "cy": "Sut rydych chi'n mynd?",
            "pl": "Jak tam docierasz?", "ar": "كيف تذهب؟", "ro": "Cum ajungeți?"}


def campaign(tmp_path: Path, steps: str, head: str = HEAD) -> Path:
    path = tmp_path / "mistakes.yml"
    path.write_text(head + textwrap.dedent(steps), encoding="utf-8")
    return path


def choice(texts: dict[str, str]) -> str:
    lines = "".join(f'      {code}: "{text}"\n' for code, text in {**QUESTION, **texts}.items())
    return f"  - id: travel\n    type: choice\n    text:\n{lines}{OPTIONS}"


def messages(problems, level: str = "warning") -> dict[str, str]:
    return {p.where: p.message for p in problems if p.level == level}


def test_the_head_alone_is_clean(tmp_path):
    problems = check_campaign(campaign(tmp_path, choice({})))
    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("language,text,quoted", [
    ("en", "How do you get there? Reply 1, 2 or 3.", "Reply 1, 2 or 3"),
    ("cy", "Sut rydych chi'n mynd? Atebwch 1, 2 neu 3.", "Atebwch 1, 2 neu 3"),
    ("pl", "Jak tam docierasz? Odpisz 1, 2 lub 3.", "Odpisz 1, 2 lub 3"),
    ("ar", "كيف تذهب؟ أرسل 1 أو 2 أو 3.", "أرسل 1 أو 2 أو 3"),
    ("ro", "Cum ajungeți? Răspundeți cu 1, 2 sau 3.", "Răspundeți cu 1, 2 sau 3"),
])
def test_a_question_that_writes_its_own_reply_instructions(tmp_path, language, text, quoted):
    path = campaign(tmp_path, choice({language: text}))
    problems = check_campaign(path)
    assert not [p for p in problems if p.level == "error"]
    [warning] = [p for p in problems if "this message needs" not in p.message]
    assert warning.where == f"steps[1].text.{language}" and warning.subject == "steps[1] (travel)"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert warning.line == lines.index(f'    {language}: "{text}"') + 1
    assert f'the text writes its own reply instructions ("{quoted}"); leave them out: the bot ' \
           "adds the numbered options and how to reply (it says up to 3, but the step has 4 " \
           "options)" in warning.message


def test_numbered_options_written_in_the_question_are_a_warning(tmp_path):
    problems = check_campaign(campaign(tmp_path, choice(
        {"en": "How do you get there? 1. Bus 2. Walk 3. Car 4. Taxi"})))
    assert messages(problems)["steps[1].text.en"].startswith(
        'in English the text writes its own numbered options ("1 ... 2 ..."); leave them out')


def test_a_scale_that_says_its_own_range_disagrees_with_it(tmp_path):
    problems = check_campaign(campaign(tmp_path, """\
      - id: ease
        type: scale
        text: {en: "Is it easy? Reply with a number from 1 to 10.", cy: "Hawdd?", pl: "Łatwo?",
               ar: "سهل؟", ro: "Ușor?"}
    """))
    assert messages(problems)["steps[1].text.en"].endswith(
        "(it says up to 10, but the scale goes to 5)")


@pytest.mark.parametrize("text", [
    "Do you take 2 buses to get there?", "In the last 12 months, how did you get there?",
    "Which is best? Reply in your own words after this.",
    "Fares went from £1.50 to £2.20. Which way do you go?", "Buses leave at 1:30 and 2:15.",
])
def test_numbers_that_are_not_instructions_are_fine(tmp_path, text):
    assert check_campaign(campaign(tmp_path, choice({"en": text}))) == []


def consent(**texts: str) -> str:
    head = HEAD
    for language, text in texts.items():
        start = head.index(f"    {language}: ", head.index("consent:"))
        end = head.index("\n", start)
        head = head[:start] + f'    {language}: "{text}"' + head[end:]
    return head


def test_consent_must_say_stop_and_delete_in_each_language(tmp_path):
    head = consent(cy="Am 30 diwrnod. Tecstiwch DILEU i ddileu.",
                   pl="30 dni. Wyślij STOP.",
                   ar="نحفظ إجاباتك 30 يومًا.",
                   en="Kept 30 days. Text stop to stop, delete to delete.")
    path = campaign(tmp_path, choice({}), head)
    problems = [p for p in check_campaign(path) if p.where.startswith("consent")]
    assert all(p.subject == "consent" and p.level == "warning" for p in problems)
    assert sorted((p.where, p.message) for p in problems) == sorted([
        ("consent.text.cy", "in Cymraeg the consent text never says how to stop: say it with "
                            "the word STOP, in capitals as the bot writes it"),
        ("consent.text.pl", "in Polski the consent text never says how to delete their "
                            "answers: say it with the word USUŃ, in capitals as the bot writes "
                            "it"),
        ("consent.text.ar", "in العربية the consent text never says how to stop: say it with "
                            "the word توقف, as the bot writes it"),
        ("consent.text.ar", "in العربية the consent text never says how to delete their "
                            "answers: say it with the word حذف, as the bot writes it"),
        ("consent.text.en", "in English the consent text never says how to stop: say it with "
                            "the word STOP, in capitals as the bot writes it"),
        ("consent.text.en", "in English the consent text never says how to delete their "
                            "answers: say it with the word DELETE, in capitals as the bot "
                            "writes it"),
    ])
    lines = path.read_text(encoding="utf-8").splitlines()
    cy = next(p for p in problems if p.where == "consent.text.cy")
    assert lines[cy.line - 1].startswith("    cy: ")


def test_consent_days_must_match_retention_days_in_each_language(tmp_path):
    head = consent(cy="Am 365 diwrnod. STOP i stopio, DILEU i ddileu.",
                   ro="365 de zile. STOP sau ȘTERGE.",
                   ar="٣٦٥ يومًا. توقف أو حذف.")
    problems = messages(check_campaign(campaign(tmp_path, choice({}), head)))
    assert problems == {
        "consent.text.cy": "in Cymraeg the consent text says 365 days, but retention_days is "
                           "30; they must agree",
        "consent.text.ro": "in Română the consent text says 365 days, but retention_days is 30; "
                           "they must agree",
        "consent.text.ar": "in العربية the consent text says 365 days, but retention_days is "
                           "30; they must agree",
    }


def test_sms_warnings_on_consent_and_thanks_name_their_field(tmp_path):
    long = "We keep your answers for 30 days. " * 5
    head = consent(en=long.strip() + " Text STOP to stop, DELETE to delete.").replace(
        "thanks: {en: Thanks,", f'thanks: {{en: "{long.strip()}",')
    problems = [p for p in check_campaign(campaign(tmp_path, choice({}), head))
                if "this message needs" in p.message]
    assert problems, "the long texts should need more than one SMS"
    assert {(p.where, p.subject) for p in problems} == {("consent.text.en", "consent"),
                                                       ("thanks.en", "thanks")}
    assert all(": warning: consent: in English this message needs" in str(p) or
               ": warning: thanks: in English this message needs" in str(p) for p in problems)


def test_the_reading_age_warning_never_contradicts_itself(tmp_path):
    # Reading ages 11.1 (shown as "about 11", which is 11 or under) and 11.6 ("about 12").
    just_under = "The council is thinking about changing bus routes next year, and we would " \
                 "like your views on the plans."
    over = "We want to hear what you think about the buses in your area and how they could " \
           "work better for you."
    problems = check_campaign(campaign(tmp_path, f"""\
      - id: one
        type: info
        text: {{en: "{just_under}", cy: a, pl: a, ar: a, ro: a}}
      - id: two
        type: info
        text: {{en: "{over}", cy: a, pl: a, ar: a, ro: a}}
    """))
    reading = [p for p in problems if "reading age" in p.message]
    assert [(p.where, p.message.split(";")[0]) for p in reading] == [
        ("steps[2].text.en", "the English text has a reading age of about 12")]


@pytest.mark.parametrize("kind,suggestion", [
    ("rating", '(a "rating" step is a "scale" step here)'),
    ("Likert", '(a "Likert" step is a "scale" step here)'),
    ("ranking", '(a "ranking" step is a "rank" step here)'),
    ("multiple choice", '(a "multiple choice" step is a "choice" step here)'),
    ("poll", '(a "poll" step is a "choice" step here)'),
    ("free_text", '(a "free_text" step is a "text" step here)'),
    ("choise", '(did you mean "choice"?)'),
    ("ratings", '(did you mean "scale"?)'),
    ("skale", '(did you mean "scale"?)'),
])
def test_did_you_mean_suggests_the_type_that_fits(tmp_path, kind, suggestion):
    problems = check_campaign(campaign(tmp_path, f"""\
      - id: ease
        type: {kind}
        text: {{en: "Is it easy?", cy: a, pl: a, ar: a, ro: a}}
    """))
    [error] = [p for p in problems if p.where == "steps[1].type"]
    assert error.message.startswith(f'"{kind}" is not a step type {suggestion}; use info, ')


# -- option words that are keywords ------------------------------------------------------------

def test_an_option_that_is_the_campaigns_own_keyword_is_an_error(tmp_path):
    path = campaign(tmp_path, choice({}), HEAD.replace("keywords: [MISTAKE]",
                                                       "keywords: [MISTAKE, BWS]"))
    [error] = [p for p in check_campaign(path) if p.level == "error"]
    assert error.where == "steps[1].options[1].text.cy" and error.subject == "steps[1] (travel)"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert error.line == next(n for n, line in enumerate(lines, start=1) if "{id: bus," in line)
    assert error.message == ('option 1 ("bus") reads "Bws", which is also this campaign\'s '
                             "keyword BWS: a resident who replies with it is told they are "
                             "already taking part and the answer is never recorded; reword the "
                             "option or change the keyword")


OTHER = """\
id: other-campaign
title: {en: Other}
organisation: {en: Council}
languages: [en]
keywords: [TAXI]
retention_days: 30
consent: {version: "1", text: {en: "Kept 30 days. Text STOP to stop, DELETE to delete."}}
thanks: {en: Thanks}
steps:
  - id: mode
    type: choice
    text: {en: "Which?"}
    options: [{id: a, text: {en: "Mistake"}}, {id: b, text: {en: "Fine"}}]
"""


def test_another_live_campaigns_keywords_and_options_are_errors_when_given(tmp_path):
    path = campaign(tmp_path, choice({}))
    assert [p for p in check_campaign(path) if p.level == "error"] == []
    errors = {p.where: p.message for p in check_campaign(path, [load_campaign(OTHER)])
              if p.level == "error"}
    assert errors == {
        "steps[1].options[4].text.en": 'option 4 ("taxi") reads "Taxi", which is the keyword '
                                       "of the live campaign other-campaign: a resident who "
                                       "replies with it is moved into that campaign instead of "
                                       "answering; reword the option",
        "steps[1].options[4].text.ro": 'option 4 ("taxi") reads "Taxi", which is the keyword '
                                       "of the live campaign other-campaign: a resident who "
                                       "replies with it is moved into that campaign instead of "
                                       "answering; reword the option",
        "keywords[1]": 'the keyword MISTAKE is also the answer "Mistake" in the live campaign '
                       "other-campaign (steps[1] (mode)): residents who answer it there would "
                       "be moved into this campaign; choose another keyword",
    }
    # The same campaign's own published version is not "another" campaign.
    assert [p for p in check_campaign(path, [load_campaign(path)]) if p.level == "error"] == []


def engage(tmp_path: Path, *args: str, database: bool = True) -> subprocess.CompletedProcess:
    env = {"ENGAGE_VAR_DIR": str(tmp_path / "var"), "PATH": str(Path(sys.executable).parent)}
    if database:
        url = f"sqlite:///{tmp_path / 'engage.db'}"
        if not (tmp_path / "engage.db").exists():
            upgrade(url)
        env["ENGAGE_DATABASE_URL"] = url
    return subprocess.run([ENGAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_compares_with_the_database_and_publish_refuses_the_clash(tmp_path):
    other = tmp_path / "other.yml"
    other.write_text(OTHER, encoding="utf-8")
    path = campaign(tmp_path, choice({}))
    # Without a database the file alone is checked (as `make check-campaigns` does).
    alone = engage(tmp_path, "campaign", "check", str(path), database=False)
    assert alone.returncode == 0 and "0 error(s)" in alone.stdout
    assert not (tmp_path / "var" / "engage.db").exists()

    assert engage(tmp_path, "campaign", "publish", str(other)).returncode == 0
    check = engage(tmp_path, "campaign", "check", str(path))
    assert check.returncode == 1 and "3 error(s)" in check.stdout
    assert f"{path}:" in check.stdout and "keyword of the live campaign other-campaign" in \
        check.stdout

    publish = engage(tmp_path, "campaign", "publish", str(path))
    assert publish.returncode == 1 and "Traceback" not in publish.stderr
    assert "mistakes: error: steps[1] (travel): option 4 (\"taxi\") reads \"Taxi\"" in \
        publish.stderr
    assert "Error: nothing was published" in publish.stderr
    listed = engage(tmp_path, "campaign", "list").stdout
    assert "other-campaign" in listed and "mistakes" not in listed


def test_check_says_when_the_database_cannot_be_read(tmp_path):
    path = campaign(tmp_path, choice({}))
    env = {"ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'engage.db'}",
           "ENGAGE_VAR_DIR": str(tmp_path / "var"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([ENGAGE, "campaign", "check", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: the published campaigns could not be read from the database" in \
        result.stdout
    assert "0 error(s), 1 warning(s)" in result.stdout


def test_the_example_campaigns_pass_and_can_be_live_together():
    examples = sorted((ROOT / "campaigns").glob("*.yml"))
    live = [load_campaign(path) for path in examples]
    for path in examples:
        assert [str(p) for p in check_campaign(path, live) if p.level == "error"] == []


def test_files_published_together_are_compared_with_each_other(tmp_path):
    from bot.campaigns.publishing import publish_files
    from bot.store.db import session_factory, transaction
    from bot.store.repository import CampaignRepository

    other = tmp_path / "other.yml"
    other.write_text(OTHER, encoding="utf-8")
    path = campaign(tmp_path, choice({}))
    url = f"sqlite:///{tmp_path / 'together.db'}"
    upgrade(url)
    with pytest.raises(CampaignInvalid) as raised:
        publish_files([str(other), str(path)], url)
    assert {p.where for p in raised.value.problems} == {
        "steps[1].options[4].text.en", "steps[1].options[4].text.ro", "keywords[1]"}
    with transaction(session_factory(url)) as session:
        assert CampaignRepository(session).live_versions() == []
