"""The Rasa configuration and training data: valid, clean, complete, and free of campaign content."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from nlu_data import (
    DATA,
    EXTERNAL_INTENTS,
    INTENTS,
    LANGUAGES,
    NLU_HELDOUT_LANGUAGES,
    ROOT,
    load_heldout,
    load_training,
    normalise,
)

MIN_TRAINING_PER_LANGUAGE_AND_INTENT = 15
MIN_HELDOUT_PER_LANGUAGE_AND_INTENT = 8
# Components that pull in TensorFlow (or large downloads): not wanted in this light pipeline.
HEAVY_COMPONENTS = {
    "DIETClassifier", "TEDPolicy", "UnexpecTEDIntentPolicy", "ResponseSelector",
    "LanguageModelFeaturizer", "ConveRTFeaturizer", "SpacyNLP", "MitieNLP",
}


def quiet_env() -> dict[str, str]:
    """Silence library noise that is not about our data, so only our warnings remain."""
    env = dict(os.environ)
    env.update(
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore::DeprecationWarning",
        RASA_TELEMETRY_ENABLED="false",
    )
    return env


def validate(root: Path = ROOT) -> tuple[bool, list[str]]:
    """What `rasa data validate --fail-on-warnings` checks (rasa.cli.utils.validate_files),
    run in this process: the same importer (config.yml's, so every languages/*/nlu.yml is
    read), the same checks, warnings treated as failures. In-process it skips the CLI's
    second start of Rasa (about 20 s) and shares Rasa's import with the other tests here.
    Returns whether every check passed, and every warning that is about our data (Rasa's
    own list of expected library warnings, which the CLI hides too, is left out)."""
    import logging
    import warnings

    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.utils.common import EXPECTED_WARNINGS
    from rasa.validator import Validator

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.lines: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.lines.append(f"{record.name}: {record.getMessage()}")

    logged = Keep()
    logging.getLogger("rasa").addHandler(logged)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for category, message in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=f".*{message}", category=category)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            importer = TrainingDataImporter.load_from_config(
                config_path=str(root / "config.yml"), domain_path=str(root / "domain.yml"),
                training_data_paths=[str(root / "data")])
            validator = Validator.from_importer(importer)
            assert not importer.get_domain().is_empty()
            checks = [
                validator.verify_domain_validity(),
                validator.verify_actions_in_stories_rules(),
                validator.verify_forms_in_stories_rules(),
                validator.verify_form_slots(),
                validator.verify_slot_mappings(),
                validator.verify_nlu(ignore_warnings=False),
                validator.verify_story_structure(ignore_warnings=False),
            ]
            validator.warn_if_config_mandatory_keys_are_not_set()
    finally:
        logging.getLogger("rasa").removeHandler(logged)
    found = [f"{w.category.__name__}: {w.message}" for w in caught] + logged.lines
    return all(checks), found


@pytest.mark.rasa
def test_rasa_data_validate_is_clean(monkeypatch):
    monkeypatch.chdir(ROOT)  # config.yml's importer and paths are the project's
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    passed, warnings = validate()
    assert not warnings, "\n".join(warnings)
    assert passed


def test_domain_has_exactly_the_contract_intents_and_one_action():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert list(domain["intents"]) == [*INTENTS, *EXTERNAL_INTENTS]
    assert domain["actions"] == ["action_engage"]
    assert set(domain["slots"]) == {"erase_requested"}
    slot = domain["slots"]["erase_requested"]
    assert slot["type"] == "bool" and slot["influence_conversation"] is False
    assert slot["mappings"] == [{"type": "custom"}]
    assert domain["session_config"] == {
        "session_expiration_time": 60, "carry_over_slots_to_new_session": False,
    }
    assert not domain.get("entities"), "campaign answers are read by the engine, not Rasa entities"


def test_every_intent_has_a_rule_to_action_engage():
    rules = yaml.safe_load((DATA / "rules.yml").read_text(encoding="utf-8"))["rules"]
    routed = {}
    for rule in rules:
        steps = rule["steps"]
        assert len(steps) == 2 and steps[1] == {"action": "action_engage"}, rule
        routed[steps[0]["intent"]] = rule["rule"]
    assert set(routed) == {*INTENTS, *EXTERNAL_INTENTS}


def test_pipeline_is_light_and_policies_are_rules_only():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert "LogisticRegressionClassifier" in names
    assert not HEAVY_COMPONENTS & set(names), names
    policies = {policy["name"] for policy in config["policies"]}
    assert policies <= {"RulePolicy", "MemoizationPolicy"}, policies
    assert config.get("assistant_id")


def test_every_language_has_enough_examples_for_every_intent():
    counts = Counter((e.language, e.intent) for e in load_training())
    thin = {
        (language, intent): counts[(language, intent)]
        for language in LANGUAGES for intent in INTENTS
        if counts[(language, intent)] < MIN_TRAINING_PER_LANGUAGE_AND_INTENT
    }
    assert not thin, f"fewer than {MIN_TRAINING_PER_LANGUAGE_AND_INTENT} examples: {thin}"
    assert set(e.intent for e in load_training()) == {*INTENTS, *EXTERNAL_INTENTS}


def test_external_intents_have_only_the_text_rasa_gives_them():
    """Nobody texts these: their only examples are Rasa's own text for an external event."""
    for example in load_training():
        if example.intent in EXTERNAL_INTENTS:
            assert example.text in (example.intent, f"EXTERNAL: {example.intent}"), example


def test_no_example_is_labelled_with_two_intents():
    labels = defaultdict(set)
    for example in load_training():
        labels[normalise(example.text)].add(example.intent)
    clashes = {text: sorted(intents) for text, intents in labels.items() if len(intents) > 1}
    assert not clashes, clashes


def test_heldout_set_covers_every_language_and_intent():
    counts = Counter((e.language, e.intent) for e in load_heldout())
    thin = {
        (language, intent): counts[(language, intent)]
        for language in NLU_HELDOUT_LANGUAGES for intent in INTENTS
        if counts[(language, intent)] < MIN_HELDOUT_PER_LANGUAGE_AND_INTENT
    }
    assert not thin, thin


def test_heldout_examples_are_not_in_the_training_data():
    training = {normalise(e.text): e for e in load_training()}
    leaked = [
        f"{e.text!r} (held-out {e.intent}) = {training[normalise(e.text)].text!r} in "
        f"{training[normalise(e.text)].source}"
        for e in load_heldout() if normalise(e.text) in training
    ]
    assert not leaked, "\n".join(leaked)


def test_heldout_file_is_rasa_nlu_data():
    """So `rasa test nlu --nlu tests/rasa/nlu_heldout.yml` works too."""
    from rasa.shared.nlu.training_data.loading import load_data

    loaded = load_data(str(ROOT / "tests" / "rasa" / "nlu_heldout.yml"))
    assert len(loaded.intent_examples) == len(load_heldout())
    assert set(loaded.intents) == set(INTENTS)


def campaign_keywords() -> set[str]:
    keywords = set()
    for folder in (ROOT / "campaigns", ROOT / "tests" / "fixtures"):
        for path in folder.glob("*.yml"):
            try:
                content = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                continue
            if isinstance(content, dict):
                keywords.update(str(k) for k in content.get("keywords") or [])
    return keywords


def test_no_campaign_keyword_is_training_data():
    keywords = {normalise(k) for k in campaign_keywords()}
    examples = {normalise(e.text) for e in load_training()}
    assert not keywords & examples, keywords & examples


def test_heldout_examples_are_distinct():
    seen = Counter(normalise(e.text) for e in load_heldout())
    assert not [text for text, count in seen.items() if count > 1]


def test_no_training_example_is_written_twice():
    seen = Counter(e.text for e in load_training())
    assert not [text for text, count in seen.items() if count > 1]
