"""Conversation tests: every meta-intent, in every language, goes to action_engage.

Runs `rasa test core` twice on tests/rasa/test_stories.yml with --fail-on-prediction-errors:
once on the annotated intents (dialogue policy only) and once end-to-end (--e2e), where the
trained NLU model must also predict each user text's intent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from nlu_data import INTENTS, LANGUAGES, ROOT, TEST_STORIES
from test_rasa_data import quiet_env

RASA = Path(sys.executable).parent / "rasa"


def story_turns() -> list[dict]:
    stories = yaml.safe_load(TEST_STORIES.read_text(encoding="utf-8"))["stories"]
    return [step for story in stories for step in story["steps"] if "user" in step]


def run_rasa_test(model: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA), "test", "core", "--stories", str(TEST_STORIES), "--model", str(model),
         "--out", str(out), "--fail-on-prediction-errors", "--no-plot", *extra],
        cwd=ROOT, capture_output=True, text=True, env=quiet_env(), timeout=600,
    )


def test_test_stories_cover_every_intent_and_language():
    turns = story_turns()
    assert set(Counter(step["intent"] for step in turns)) == set(INTENTS)
    names = " ".join(s["story"] for s in yaml.safe_load(TEST_STORIES.read_text())["stories"])
    for language in LANGUAGES:
        assert f"{language} " in names, f"no test story for {language}"


@pytest.mark.rasa
def test_every_intent_goes_to_action_engage(rasa_model: Path, tmp_path: Path):
    result = run_rasa_test(rasa_model, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["action_engage"]["support"] == len(story_turns())
    assert report["action_engage"]["recall"] == 1.0
    assert report["action_listen"]["recall"] == 1.0


@pytest.mark.rasa
def test_end_to_end_stories_predict_the_right_intents(rasa_model: Path, tmp_path: Path):
    result = run_rasa_test(rasa_model, tmp_path, "--e2e")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    expected = Counter(step["intent"] for step in story_turns())
    for intent, count in expected.items():
        assert report[intent]["support"] == count, (intent, report.get(intent))
        assert report[intent]["recall"] == 1.0, (intent, report[intent])
