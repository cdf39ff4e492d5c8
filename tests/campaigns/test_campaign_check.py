"""`engage campaign check`: every error kind at the right line, warnings, and plain wording.

Each broken fixture marks the lines that must be reported with `# ERROR: words | words`,
one part per expected error on that line; the words must appear in the error's message.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.campaigns.check import check_campaign
from bot.campaigns.problems import Problem

FIXTURES = Path(__file__).parent / "fixtures"
ALL_STEPS = Path(__file__).resolve().parent.parent / "fixtures" / "campaign_all_steps.yml"
BROKEN = sorted(FIXTURES.glob("*.yml"))


def expected_errors(path: Path) -> dict[int, list[str]]:
    marks: dict[int, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "# ERROR:" in line:
            marks[number] = [part.strip() for part in line.split("# ERROR:")[1].split("|")]
    return marks


def test_there_is_a_broken_fixture_for_each_kind_of_error():
    assert len(BROKEN) >= 12
    assert all(expected_errors(path) for path in BROKEN)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_fixture_errors_are_reported_at_their_lines(path):
    errors = [p for p in check_campaign(path) if p.level == "error"]
    expected = expected_errors(path)
    by_line: dict[int, list[str]] = {}
    for error in errors:
        by_line.setdefault(error.line or 0, []).append(error.message)
    assert set(by_line) == set(expected), "\n".join(str(e) for e in errors)
    for line, fragments in expected.items():
        messages = by_line[line]
        assert len(messages) == len(fragments), (line, messages)
        for fragment in fragments:
            assert any(fragment in message for message in messages), (line, fragment, messages)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_every_problem_names_its_file_and_reads_as_a_sentence(path):
    for problem in check_campaign(path):
        text = str(problem)
        assert text.startswith(f"{path}:"), text
        assert ": error: " in text or ": warning: " in text
        assert "Traceback" not in text and "Error(" not in text


def test_the_all_steps_fixture_has_no_errors():
    problems = check_campaign(ALL_STEPS)
    assert [p for p in problems if p.level == "error"] == []


def test_problem_str_matches_the_documented_shape():
    problem = Problem("error", 14, "steps[2].text.cy", 'text is missing the "cy" translation',
                      "steps[2] (travel_mode)", "campaigns/x.yml")
    assert str(problem) == ('campaigns/x.yml:14: error: steps[2] (travel_mode): text is missing '
                            'the "cy" translation')
    assert str(Problem("warning", None, "", "hello", "", "x.yml")) == "x.yml: warning: hello"
    assert str(Problem("error", 3, "id", "bad id")) == "line 3: error: bad id"


def test_missing_translation_points_at_the_step_with_its_id():
    path = FIXTURES / "missing_translation.yml"
    problem = next(p for p in check_campaign(path) if p.where == "steps[1].text")
    assert problem.subject == "steps[1] (travel_mode)"
    assert str(problem) == (f'{path}:15: error: steps[1] (travel_mode): text is missing the '
                            '"cy" translation')


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    problems = check_campaign(tmp_path / "nope.yml")
    assert len(problems) == 1 and problems[0].level == "error"
    assert "cannot read the file" in problems[0].message


def test_binary_file_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "binary.yml"
    path.write_bytes(b"\xff\xfe\x00\x01")
    problems = check_campaign(path)
    assert problems and problems[0].level == "error"


VALID_HEAD = """\
id: warn-test
title: {en: Buses, ar: الحافلات}
organisation: {en: Test Council, ar: المجلس}
languages: [en, ar]
keywords: [WARN]
retention_days: 30
consent: {version: "1", text: {en: "Text STOP to stop, DELETE to delete.", ar: "أرسل توقف أو حذف."}}
thanks: {en: Thanks, ar: شكرا}
steps:
"""


def write(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "campaign.yml"
    path.write_text(VALID_HEAD + textwrap.dedent(steps), encoding="utf-8")
    return path


def test_warns_when_a_message_needs_more_than_one_sms(tmp_path):
    path = write(tmp_path, """\
      - id: travel
        type: choice
        text:
          en: "How do you usually get to your GP?"
          ar: "كيف تذهب عادة إلى طبيبك العام؟ أخبرنا من فضلك عن الطريقة التي تستخدمها في أغلب الأيام."
        options:
          - {id: bus, text: {en: Bus, ar: حافلة}}
          - {id: walk, text: {en: Walk, ar: مشيا}}
    """)
    problems = check_campaign(path)
    assert [p for p in problems if p.level == "error"] == []
    warnings = [p for p in problems if p.level == "warning"]
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.where == "steps[1].text.ar" and warning.line == 14
    assert "needs 2 SMS (UCS-2, " in warning.message and "العربية" in warning.message
    assert "these characters" not in warning.message  # Arabic needs UCS-2 anyway
    assert warning.subject == "steps[1] (travel)"


def test_the_sms_warning_counts_the_options_and_instructions_too(tmp_path):
    # The question alone fits in 160 characters; with the numbered options it does not.
    question = "Which of these would most help you get to your appointments on time? " * 2
    options = "".join(f"          - {{id: o{n}, text: {{en: Option number {n} is a long one, "
                      f"ar: خيار}}}}\n" for n in range(1, 4))
    path = write(tmp_path, f"""\
      - id: travel
        type: choice
        text: {{en: "{question.strip()}", ar: سؤال}}
        options:
{options}""")
    problems = check_campaign(path)
    warnings = [p for p in problems if p.level == "warning"]
    assert [w.where for w in warnings] == ["steps[1].text.en"], problems
    assert "(GSM-7, " in warnings[0].message


def test_english_with_a_non_gsm_character_says_which(tmp_path):
    path = write(tmp_path, """\
      - id: info
        type: info
        text:
          en: "Fares rise ★ soon. Buses to the hospital will run every hour from next spring."
          ar: "الحافلات"
    """)
    warnings = [p for p in check_campaign(path) if p.level == "warning"]
    assert len(warnings) == 1 and "★" in warnings[0].message


def test_warns_about_a_high_reading_age_in_english(tmp_path):
    path = write(tmp_path, """\
      - id: intro
        type: info
        text:
          en: "Comprehensive infrastructural reconfiguration necessitates substantial consultation."
          ar: "معلومات"
        more:
          en: "Consequently, the organisational responsibilities regarding transportation accessibility for residents are currently being reconsidered."
          ar: "معلومات"
      - id: plain
        type: info
        text:
          en: "The bus to the hospital is late most days and we want to fix it soon."
          ar: "معلومات"
    """)
    reading = [p for p in check_campaign(path) if "reading age" in p.message]
    # The first text is too short (under 12 words) to judge; the plain one reads easily.
    assert [p.where for p in reading] == ["steps[1].more.en"]
    assert reading[0].line == 16 and "aim for 11 or under" in reading[0].message


def test_short_texts_are_never_judged_for_reading_age(tmp_path):
    path = write(tmp_path, """\
      - id: intro
        type: info
        text: {en: "Infrastructural reconfiguration necessitates consultation.", ar: "معلومات"}
    """)
    assert not [p for p in check_campaign(path) if "reading age" in p.message]


def test_warnings_wait_until_errors_are_fixed(tmp_path):
    path = write(tmp_path, """\
      - id: intro
        type: info
        text:
          en: "Comprehensive infrastructural reconfiguration necessitates substantial consultation with every affected resident."
    """)
    problems = check_campaign(path)
    assert {p.level for p in problems} == {"error"}


def test_text_in_a_language_the_campaign_lacks_is_a_warning(tmp_path):
    path = write(tmp_path, """\
      - id: intro
        type: info
        text: {en: "Buses run hourly.", ar: "الحافلات", cy: "Bysiau"}
    """)
    problems = check_campaign(path)
    assert [(p.level, p.where) for p in problems] == [("warning", "steps[1].text.cy")]


def test_many_options_and_command_words_are_warnings(tmp_path):
    options = "".join(f"          - {{id: o{n}, text: {{en: Opt{n}, ar: خ{n}}}}}\n"
                      for n in range(1, 11))
    path = write(tmp_path, f"""\
      - id: pick
        type: choice
        text: {{en: "Pick one", ar: "اختر"}}
        options:
{options}      - id: more
        type: choice
        text: {{en: "Pick one", ar: "اختر"}}
        options:
          - {{id: a, text: {{en: Help, ar: أ}}}}
          - {{id: b, text: {{en: Other, ar: ب}}}}
    """)
    problems = check_campaign(path)
    messages = [p.message for p in problems]
    assert not [p for p in problems if p.level == "error"], messages
    assert any("10 options is a lot" in m for m in messages)
    assert any('"Help", which is also a command word' in m for m in messages)


SETTINGS = VALID_HEAD.replace("steps:\n", """\
timezone: Europe/Dublin
quiet_hours: {start: "20:30", end: "09:00"}
reminder: {after_hours: 48}
invitation:
  whatsapp:
    content_sid: {en: HX0123456789abcdef0123456789abcdef}
population:
  age: {step: about_age, shares: {young: 0.6, old: 0.3}}
steps:
  - id: about_age
    type: choice
    text: {en: "How old are you?", ar: "كم عمرك؟"}
    options:
      - {id: young, text: {en: Under 40, ar: أقل من 40}}
      - {id: old, text: {en: 40 or over, ar: 40 فأكثر}}
      - {id: prefer_not_to_say, text: {en: Prefer not to say, ar: أفضل عدم الإجابة}}
""")


def test_settings_and_population_warn_about_what_will_not_work_well(tmp_path):
    path = tmp_path / "campaign.yml"
    path.write_text(SETTINGS, encoding="utf-8")
    problems = check_campaign(path)
    assert [p for p in problems if p.level == "error"] == []
    warnings = {p.where: p for p in problems if p.level == "warning"}
    missing = warnings["invitation.whatsapp.content_sid"]
    assert "WhatsApp contacts who read العربية cannot be invited" in missing.message
    assert 'no "ar" invitation template' in missing.message
    assert "where the figures come from" in warnings["population"].message
    assert "add up to 0.90" in warnings["population.age.shares"].message
    assert warnings["population.age.shares"].line == 16


def test_a_time_without_a_colon_is_an_error(tmp_path):
    path = tmp_path / "campaign.yml"
    path.write_text(SETTINGS.replace('start: "20:30"', 'start: "9pm"'), encoding="utf-8")
    [error] = [p for p in check_campaign(path) if p.level == "error"]
    assert error.where == "quiet_hours.start" and 'write a 24-hour time with a colon' in error.message


def test_showing_others_about_you_answers_is_a_warning(tmp_path):
    path = tmp_path / "campaign.yml"
    path.write_text(SETTINGS + """\
  - id: others_age
    type: reflect
    of: about_age
    text: {en: "How old others are:", ar: "أعمار الآخرين:"}
""", encoding="utf-8")
    problems = check_campaign(path)
    assert [p for p in problems if p.level == "error"] == []
    [warning] = [p for p in problems if p.where == "steps[2].of"]
    assert 'what others answered to the about-you question "about_age"' in warning.message
