"""Languages are data: every shipped folder is complete, and a gap is reported, not hidden."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.language import LANGUAGES, LANGUAGES_DIR, SUPPORTED
from bot.language_check import check_language, complete
from bot.language_data import LanguageDataError, load_language, load_languages


@pytest.mark.parametrize("code", SUPPORTED)
def test_every_shipped_language_has_every_phrase_command_and_name(code):
    findings = check_language(code)
    assert complete(findings), "\n".join(str(f) for f in findings if f.level != "note")


@pytest.mark.parametrize("code", SUPPORTED)
def test_every_language_says_whether_it_was_reviewed_and_its_direction(code):
    text = (LANGUAGES_DIR / code / "language.yml").read_text(encoding="utf-8")
    assert "\nreviewed: " in text and "\ndirection: " in text
    assert LANGUAGES[code].direction in ("ltr", "rtl")


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A copy of the shipped languages to break."""
    root = tmp_path / "languages"
    shutil.copytree(LANGUAGES_DIR, root, ignore=shutil.ignore_patterns("*.pyc"))
    return root


def _edit(path: Path, change) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_missing_phrase_command_or_name_is_reported(copied):
    _edit(copied / "pl" / "phrases.yml", lambda data: data.pop("others_said"))
    _edit(copied / "pl" / "language.yml", lambda data: data["commands"].pop("stop"))
    _edit(copied / "cy" / "language.yml", lambda data: data["names"].pop("pl"))
    shipped = load_languages(copied)
    findings = check_language("pl", shipped)
    wheres = {f.where for f in findings if f.level == "missing"}
    assert {"phrases.yml: others_said", "language.yml: commands.stop",
            "languages/cy/language.yml: names.pl"} <= wheres
    assert not complete(findings)
    assert complete(check_language("ro", shipped))


def test_an_untranslated_phrase_or_a_lost_placeholder_is_reported(copied):
    english = LANGUAGES["en"].phrases
    _edit(copied / "ro" / "phrases.yml", lambda data: data.update(
        sorry=english["sorry"], declined="Mulțumim."))
    findings = check_language("ro", load_languages(copied))
    assert any(f.level == "untranslated" and f.where == "phrases.yml: sorry" for f in findings)
    assert any(f.level == "missing" and f.where == "phrases.yml: declined" for f in findings)


def test_a_shown_command_word_must_be_understood(copied):
    _edit(copied / "cy" / "phrases.yml",
          lambda data: data.update(stuck="Atebwch GOFYNNWCH am help neu HEPGOR i symud ymlaen."))
    findings = check_language("cy", load_languages(copied))
    assert any("GOFYNNWCH" in f.message for f in findings)


def test_thin_nlu_examples_are_reported(copied):
    (copied / "ro" / "nlu.yml").write_text('version: "3.1"\nnlu:\n  - intent: stop\n'
                                           '    examples: |\n      - oprire\n', encoding="utf-8")
    findings = check_language("ro", load_languages(copied))
    assert any(f.where == "nlu.yml: stop" for f in findings)
    assert any(f.where == "nlu.yml: greet" for f in findings)


def test_words_stay_words_whatever_yaml_would_make_of_them(copied):
    _edit(copied / "en" / "language.yml", lambda data: data.update({"no": ["no", "off"]}))
    path = copied / "en" / "language.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("- 'no'", "- no"),
                    encoding="utf-8")
    assert load_language(copied / "en").no == ("no", "off")


@pytest.mark.parametrize(("text", "complaint"), [
    ("code: xx\n", "must be the folder's name"),
    ("code: en\ndirection: up\n", "direction"),
    ("code: en\nyes: {a: b}\n", "yes must be a list"),
    ("code: en\ncommands: {stopp: [x]}\n", "unknown command stopp"),
    ("code: en\nreviewed: maybe\n", "reviewed must be true or false"),
    ("code: en\n  bad: [\n", "cannot be read"),
])
def test_a_broken_language_file_names_the_file_and_the_field(copied, text, complaint):
    (copied / "en" / "language.yml").write_text(text, encoding="utf-8")
    with pytest.raises(LanguageDataError, match=complaint) as caught:
        load_languages(copied)
    assert "language.yml" in str(caught.value)


def test_english_must_be_there(copied):
    shutil.rmtree(copied / "en")
    with pytest.raises(LanguageDataError, match="no 'en' folder"):
        load_languages(copied)


def test_language_check_command(capsys):
    assert main(["language", "check", "cy"]) == 0
    assert "has everything the bot needs" in capsys.readouterr().out
    assert main(["language", "check", "xx"]) == 1
    assert "no such language folder" in capsys.readouterr().out
    assert main(["language", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(f"\n{code} " in f"\n{listed}" for code in SUPPORTED)


def test_rasa_reads_each_language_folder_for_the_project_data_only():
    from bot.nlu_importer import DATA_DIR, LanguagesImporter, language_nlu_files

    files = language_nlu_files()
    assert {Path(f).parent.name for f in files} == set(SUPPORTED)
    project = LanguagesImporter(None, None, [str(DATA_DIR)])
    assert set(files) <= set(project._nlu_files)
    elsewhere = LanguagesImporter(None, None, ["tests/rasa/nlu_heldout.yml"])
    assert not set(files) & set(elsewhere._nlu_files)
