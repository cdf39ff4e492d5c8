"""The campaign model: exact JSON round trip (the store depends on it), lookups, conditions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign, Condition, Option, Step, WhatsAppButtons

ALL_STEPS = Path(__file__).resolve().parent.parent / "fixtures" / "campaign_all_steps.yml"


def test_round_trip_through_json_is_exact(campaign):
    data = campaign.to_dict()
    again = Campaign.from_dict(json.loads(json.dumps(data)))
    assert again == campaign
    assert again.to_dict() == data
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)


def test_to_dict_has_the_file_shape(campaign):
    data = campaign.to_dict()
    assert data["consent"] == {"version": "test-1", "text": campaign.consent_text}
    assert data["keywords"] == ["TESTALL"] and data["languages"] == ["en", "cy", "pl"]
    scale = next(s for s in data["steps"] if s["id"] == "fare_cost")
    assert scale["labels"]["1"]["en"] == "Strongly disagree"  # JSON keys are strings
    assert scale["when"] == {"step": "travel_mode", "in": ["bus"]}
    info = data["steps"][0]
    assert set(info) == {"id", "type", "text", "more"}  # no empty fields


def test_the_fixture_uses_every_step_type_and_feature(campaign):
    types = {step.type for step in campaign.steps}
    assert types == {"info", "choice", "scale", "rank", "text", "reflect", "revisit"}
    assert campaign.step("travel_mode").why is not None
    assert campaign.step("fare_cost").when == Condition("travel_mode", ("bus",))
    assert campaign.id == "test-all-steps" and campaign.keywords == ("TESTALL",)


def test_lookups(campaign):
    assert campaign.default_language == "en"
    assert campaign.step("priorities").type == "rank"
    assert campaign.index("ideas") == 4
    assert campaign.step("travel_mode").option("walk").text["cy"] == "Cerdded"
    with pytest.raises(KeyError):
        campaign.step("nope")
    with pytest.raises(KeyError):
        campaign.step("travel_mode").option("plane")


def test_keywords_are_upper_case():
    data = load_campaign(ALL_STEPS).to_dict()
    data["keywords"] = ["testall", "Buses"]
    assert Campaign.from_dict(data).keywords == ("TESTALL", "BUSES")


def test_campaigns_are_immutable(campaign):
    with pytest.raises(dataclasses.FrozenInstanceError):
        campaign.id = "other"  # type: ignore[misc]
    changed = dataclasses.replace(campaign, retention_days=30)
    assert changed.retention_days == 30 and campaign.retention_days == 365


@pytest.mark.parametrize(
    ("condition", "value", "holds"),
    [
        (Condition("q", in_=("bus", "taxi")), "bus", True),
        (Condition("q", in_=("bus", "taxi")), "walk", False),
        (Condition("q", in_=("bus",)), None, False),
        (Condition("q", at_least=4), 4, True),
        (Condition("q", at_least=4), 3, False),
        (Condition("q", at_most=2), 2, True),
        (Condition("q", at_most=2), 3, False),
        (Condition("q", at_least=2, at_most=4), 3, True),
        (Condition("q", at_least=2, at_most=4), 5, False),
        (Condition("q", at_least=1), None, False),
        (Condition("q", at_least=1), "5", False),
        (Condition("q", at_least=0), True, False),
        (Condition("q", in_=("yes",)), "yes", True),
    ],
)
def test_conditions(condition, value, holds):
    assert condition.holds(value) is holds


def test_step_and_option_round_trip():
    step = Step("s", "scale", {"en": "Q"}, min=0, max=10,
                labels={0: {"en": "None"}, 10: {"en": "All"}},
                when=Condition("q", at_least=2, at_most=3))
    assert Step.from_dict(json.loads(json.dumps(step.to_dict()))) == step
    option = Option("a", {"en": "A", "cy": "A"})
    assert Option.from_dict(option.to_dict()) == option


WITH_WHATSAPP = """\
id: wa
title: {en: Buses, cy: Bysiau}
organisation: {en: Council, cy: Cyngor}
languages: [en, cy]
keywords: [WABUS]
retention_days: 30
consent: {version: "1", text: {en: "We ask.", cy: "Rydym yn holi."}}
thanks: {en: Thanks, cy: Diolch}
steps:
  - id: travel
    type: choice
    text: {en: "How do you travel?", cy: "Sut rydych chi'n teithio?"}
    options: [{id: bus, text: {en: Bus, cy: Bws}}, {id: walk, text: {en: Walk, cy: Cerdded}}]
    whatsapp:
      type: quick-reply
      content_sid: {en: HX0123456789abcdef0123456789abcdef, cy: HXfedcba9876543210fedcba9876543210}
  - id: ideas
    type: text
    text: {en: "What would help?", cy: "Beth fyddai'n helpu?"}
  - id: travel_again
    type: revisit
    of: travel
    text: {en: "Once more.", cy: "Unwaith eto."}
"""


def test_whatsapp_buttons_load_and_round_trip_through_json():
    campaign = load_campaign(WITH_WHATSAPP)
    buttons = campaign.step("travel").whatsapp
    assert buttons == WhatsAppButtons("quick-reply", {
        "en": "HX0123456789abcdef0123456789abcdef", "cy": "HXfedcba9876543210fedcba9876543210"})
    data = campaign.to_dict()
    assert data["steps"][0]["whatsapp"] == {"type": "quick-reply", "content_sid": dict(
        buttons.content_sid)}
    assert "whatsapp" not in data["steps"][1]
    assert Campaign.from_dict(json.loads(json.dumps(data))) == campaign


def test_the_whatsapp_template_for_a_step_and_its_revisit():
    campaign = load_campaign(WITH_WHATSAPP)
    assert campaign.whatsapp_template("travel", "cy") == "HXfedcba9876543210fedcba9876543210"
    assert campaign.whatsapp_template("travel_again", "en") == \
        "HX0123456789abcdef0123456789abcdef"
    assert campaign.whatsapp_template("ideas", "en") is None
    assert campaign.whatsapp_template("travel", "pl") is None


def test_a_step_label_loads_and_round_trips_and_is_left_out_when_unset():
    """`label` is optional: a campaign without one keeps the same definition (and checksum)."""
    step = Step("s", "text", {"en": "Q"}, label="Ideas for buses")
    data = json.loads(json.dumps(step.to_dict()))
    assert data["label"] == "Ideas for buses" and Step.from_dict(data) == step
    assert "label" not in Step("s", "text", {"en": "Q"}).to_dict()
