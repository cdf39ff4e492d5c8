"""Loading campaign files: YAML quirks, defaults, and refusing invalid files with every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns.loader import analyse, load_campaign
from bot.campaigns.problems import CampaignInvalid

ALL_STEPS = Path(__file__).resolve().parent.parent / "fixtures" / "campaign_all_steps.yml"
FIXTURES = Path(__file__).parent / "fixtures"

MINIMAL = """\
id: minimal
title: {en: Yes}
organisation: {en: On}
languages: [en]
keywords: [mini]
retention_days: 30
consent: {version: 2026-01-01, text: {en: No}}
thanks: {en: Off}
steps:
  - id: agree
    type: scale
    text: {en: "Buses are fine."}
  - id: pick
    type: choice
    text: {en: Pick}
    options: [{id: no, text: {en: No}}, {id: yes, text: {en: Yes}}]
"""


def test_loads_from_a_path_a_path_string_or_yaml_text():
    from_path = load_campaign(ALL_STEPS)
    assert load_campaign(str(ALL_STEPS)) == from_path
    assert load_campaign(ALL_STEPS.read_text(encoding="utf-8")) == from_path


def test_yaml_booleans_and_dates_stay_as_written():
    campaign = load_campaign(MINIMAL)
    assert campaign.title == {"en": "Yes"} and campaign.organisation == {"en": "On"}
    assert campaign.consent_text == {"en": "No"} and campaign.thanks == {"en": "Off"}
    assert campaign.consent_version == "2026-01-01"
    assert [o.id for o in campaign.step("pick").options] == ["no", "yes"]


def test_defaults_and_normalisation():
    campaign = load_campaign(MINIMAL)
    scale = campaign.step("agree")
    assert (scale.min, scale.max) == (1, 5)
    assert campaign.keywords == ("MINI",)
    assert campaign.retention_days == 30


def test_invalid_files_raise_with_every_error():
    with pytest.raises(CampaignInvalid) as raised:
        load_campaign(FIXTURES / "bad_conditions.yml")
    errors = raised.value.problems
    assert len(errors) == 8 and all(p.level == "error" for p in errors)
    assert "bad_conditions.yml:13: error:" in str(raised.value)


def test_a_missing_file_raises_campaign_invalid(tmp_path):
    with pytest.raises(CampaignInvalid) as raised:
        load_campaign(tmp_path / "missing.yml")
    assert "cannot read the file" in str(raised.value)


def test_analyse_keeps_line_numbers():
    analysis = analyse(ALL_STEPS)
    assert analysis.campaign is not None and analysis.errors == []
    assert analysis.parsed is not None
    lines = ALL_STEPS.read_text(encoding="utf-8").splitlines()
    bws = next(n for n, line in enumerate(lines, start=1) if "cy: Bws" in line)
    assert analysis.parsed.line_of("steps[2].options[1].text.cy") == bws
    assert analysis.parsed.line_of("steps[2].nothing.here") == analysis.parsed.line_of("steps[2]")


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "just a string", "a: [\n"])
def test_nonsense_is_refused_with_a_line_not_a_traceback(text):
    with pytest.raises(CampaignInvalid) as raised:
        load_campaign(text)
    assert raised.value.problems[0].level == "error"


SETTINGS = MINIMAL.replace("steps:\n", """\
timezone: " Europe/Dublin "
quiet_hours: {start: 20:30, end: "09:00"}
reminder: {after_hours: 48}
invitation: {whatsapp: {content_sid: {en: HX0123456789abcdef0123456789abcdef}}}
population:
  source: Test census
  age: {step: about_age, shares: {young: ".6", old: 0.4}}
  area: {step: about_postcode, shares: {cf10: 0.7, Other: 0.3}}
steps:
  - id: about_age
    type: choice
    text: {en: "How old are you?"}
    options:
      - {id: young, text: {en: Under 40}}
      - {id: old, text: {en: 40 or over}}
      - {id: prefer_not_to_say, text: {en: Prefer not to say}}
  - id: about_postcode
    type: text
    text: {en: "Your postcode?"}
""")


def test_settings_and_population_are_loaded_as_numbers_and_kept_exactly():
    from bot.campaigns.model import Campaign

    campaign = load_campaign(SETTINGS)
    assert campaign.timezone == "Europe/Dublin"
    assert campaign.quiet_hours == ("20:30", "09:00")
    assert campaign.reminder_after_hours == 48
    assert campaign.invitation_whatsapp == {"en": "HX0123456789abcdef0123456789abcdef"}
    assert campaign.population == {
        "source": "Test census",
        "age": {"step": "about_age", "shares": {"young": 0.6, "old": 0.4}},
        "area": {"step": "about_postcode", "shares": {"CF10": 0.7, "other": 0.3}},
    }
    assert Campaign.from_dict(campaign.to_dict()) == campaign
