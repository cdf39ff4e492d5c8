"""Loading campaign files: YAML quirks, defaults, and refusing invalid files with every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns import CampaignInvalid, analyse, load_campaign

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
