"""Hostile campaign files are refused by the loader with a line and a plain message: alias
bombs, aliases to themselves, deep nesting, huge files and huge values. The limits live in the
loader, so `campaign check`, `campaign publish` and any later upload path all get them."""

from __future__ import annotations

import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from bot.campaigns.check import check_campaign
from bot.campaigns.loader import analyse, load_campaign
from bot.campaigns.problems import CampaignInvalid
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent.parent
ENGAGE = str(Path(sys.executable).parent / "engage")
ALL_STEPS = ROOT / "tests" / "fixtures" / "campaign_all_steps.yml"


def laughs(levels: int) -> str:
    """The "billion laughs": each level is nine aliases to the level below."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for number in range(1, levels):
        below = names[number - 1]
        lines.append(f"{names[number]}: &{names[number]} [" + ", ".join([f"*{below}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def only_error(source) -> str:
    with pytest.raises(CampaignInvalid) as raised:
        load_campaign(source)
    [problem] = raised.value.problems
    assert problem.level == "error"
    return str(problem)


def test_an_alias_bomb_is_refused_without_expanding_it():
    # Five levels: 59,049 values once expanded (few aliases, so only the expansion stops it).
    tracemalloc.start()
    try:
        message = only_error(laughs(5))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith("line 5: error: the file is too big to be a campaign: its "
                              "aliases (*name) repeat blocks into more than 50,000 values"), message
    assert peak < 30_000_000, peak


def test_many_aliases_are_refused_where_they_go_over_the_limit():
    items = "".join(f"  - *a  # {number}\n" for number in range(1, 61))
    message = only_error(f"a: &a x\nb:\n{items}")
    assert message == ("line 53: error: the file uses more than 50 aliases (*name); write the "
                       "texts out in full instead")


def test_a_few_aliases_for_repeated_texts_still_work():
    text = ALL_STEPS.read_text(encoding="utf-8")
    text = text.replace("thanks:\n", "thanks: &thanks\n", 1) + "\n"
    campaign = load_campaign(text)
    assert campaign.thanks["en"]


def test_an_alias_to_the_block_it_is_in_is_refused():
    message = only_error("id: x\ntitle: &t\n  en: [*t]\n")
    assert message == ("line 2: error: an alias (*name) here repeats the block it is part of, "
                       "so it would never end; write the text out instead")


def test_aliases_that_nest_too_deep_once_expanded_are_refused():
    lines = ["a0: &a0 [x]"] + [f"a{n}: &a{n} [*a{n - 1}]" for n in range(1, 30)]
    message = only_error("\n".join(lines) + "\n")
    assert "with its aliases (*name) expanded, the file is nested more than 20 levels" in message


@pytest.mark.parametrize("depth", [25, 100_000])
def test_deep_nesting_is_refused_not_a_recursion_error(depth):
    message = only_error("title: " + "[" * depth + "]" * depth + "\n")
    assert message == ("line 1: error: the file is nested more than 20 levels deep here; a "
                       "campaign needs 6 at most (steps, options, texts)")


def test_a_file_over_a_megabyte_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.yml"
    path.write_text("title: {en: " + "x" * 1_000_001 + "}\n", encoding="utf-8")
    message = only_error(path)
    assert message == (f"{path}: error: the file is larger than 1 MB, which no campaign needs "
                       "(the examples are under 15 KB); is this the right file?")
    assert "larger than 1 MB" in only_error("title: " + "x" * 1_000_001 + "\n")


def test_a_device_that_never_ends_is_refused():
    assert "larger than 1 MB" in only_error(Path("/dev/zero"))


def test_a_value_over_ten_thousand_characters_is_refused_at_its_line():
    text = ALL_STEPS.read_text(encoding="utf-8")
    with pytest.raises(CampaignInvalid) as raised:
        load_campaign(text.replace("keywords: [", "junk: " + "y" * 20_000 + "\nkeywords: ["))
    [problem] = raised.value.problems
    assert problem.line == text.splitlines().index(
        next(line for line in text.splitlines() if line.startswith("keywords:"))) + 1
    assert problem.message == ("this value is 20,000 characters long; the most any value in a "
                               "campaign file can be is 10,000")


def with_field(field: str, value: str) -> str:
    """The all-steps campaign with one English text replaced."""
    campaign = load_campaign(ALL_STEPS)
    text = ALL_STEPS.read_text(encoding="utf-8")
    old = {"title": campaign.title["en"], "consent": campaign.consent_text["en"]}[field]
    assert text.count(old) == 1
    return text.replace(old, value)


def test_a_title_longer_than_a_name_is_refused():
    errors = analyse(with_field("title", "T" * 5_000)).errors
    assert [(e.where, e.message) for e in errors] == [
        ("title.en", 'the title in "en" is 5,000 characters long; a name can be at most 200')]


def test_a_text_longer_than_twilio_sends_is_refused():
    errors = analyse(with_field("consent", "C" * 1_601)).errors
    assert [(e.where, e.message) for e in errors] == [
        ("consent.text.en", 'the consent text in "en" is 1,601 characters long; a message can '
                            "be at most 1,600 (Twilio sends nothing longer, and one SMS is 160)")]


def test_ids_and_versions_fit_their_database_columns():
    text = ALL_STEPS.read_text(encoding="utf-8")
    campaign = load_campaign(ALL_STEPS)
    long_id = "a" * 65
    text = text.replace(f"id: {campaign.id}\n", f"id: {long_id}\n", 1)
    text = text.replace(f'version: "{campaign.consent_version}"', f'version: "{"v" * 65}"', 1)
    assert {e.where: e.message for e in analyse(text).errors} == {
        "id": "the id is 65 characters long; keep it to 64 or fewer, like buses-2026",
        "consent.version": 'the consent version is 65 characters long; keep it to 64 or '
                           'fewer, like "2026-11-a"'}


# -- the command, as staff run it --------------------------------------------------------------

def limited_memory() -> None:
    """If a limit ever regresses, the bomb stops at 1 GB instead of filling the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def engage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    if not (tmp_path / "engage.db").exists():
        upgrade(url)
    env = {"ENGAGE_DATABASE_URL": url, "ENGAGE_VAR_DIR": str(tmp_path / "var"),
           "PATH": str(Path(sys.executable).parent)}
    return subprocess.run([ENGAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, preexec_fn=limited_memory)


HOSTILE = {
    "billion-laughs": laughs(9),
    "recursive-alias": "id: x\ntitle: &t [*t]\n",
    "deep-nesting": "title: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "huge-title": with_field("title", "T" * 900_000),
    "30-MB-title": with_field("title", "T" * 30_000_000),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_check_and_publish_refuse_hostile_files_with_exit_1(tmp_path, name):
    path = tmp_path / f"{name}.yml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    check = engage(tmp_path, "campaign", "check", str(path))
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"{path}:" in check.stdout and ": error: " in check.stdout
    assert "1 error(s)" in check.stdout
    publish = engage(tmp_path, "campaign", "publish", str(path))
    assert publish.returncode == 1
    assert "Error: nothing was published" in publish.stderr
    for result in (check, publish):
        assert "Traceback" not in result.stdout + result.stderr
    assert "No campaigns are published yet" in engage(tmp_path, "campaign", "list").stdout


def test_check_reports_the_hostile_files_problem_alone(tmp_path):
    path = tmp_path / "recursive.yml"
    path.write_text(HOSTILE["recursive-alias"], encoding="utf-8")
    assert [str(p) for p in check_campaign(path)] == [
        f"{path}:2: error: an alias (*name) here repeats the block it is part of, so it would "
        "never end; write the text out instead"]


def test_a_control_character_is_an_error_at_its_line():
    """PyYAML refuses a NUL byte before parsing; that was a traceback, not a problem."""
    message = only_error("id: x\ntitle: caf\x00e\n")
    assert message == ("line 2: error: this line has a character no campaign file can have "
                       "(code #x0000, a control character); delete it")
