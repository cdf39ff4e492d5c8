"""The Rasa configuration and training data: valid, clean, complete, and free of campaign content."""

from __future__ import annotations

import os
import subprocess
import sys
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

RASA = Path(sys.executable).parent / "rasa"
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


@pytest.mark.rasa
def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [str(RASA), "data", "validate", "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True, env=quiet_env(), timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "UserWarning" not in output, output
    warnings = [line for line in output.splitlines() if " WARNING " in line or "Warning:" in line]
    ours = [line for line in warnings if "Deprecat" not in line]
    assert not ours, "\n".join(ours)


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
