"""`python -m bench.sms_plain` prints the sms_plain figure per Latin-script language and fails
when a language stays under 90% in one SMS with the option on."""

from __future__ import annotations

import yaml

from bench.sms_plain import main
from bot.campaigns.loader import load_campaign


def test_the_figure_per_language_and_the_target(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Polish (pl): 26 messages; one SMS as written" in out
    assert "Target 90% with sms_plain: met in every Latin-script language" in out
    assert "Arabic" not in out  # other scripts are never sent plainly


def test_a_campaign_under_the_target_fails(tmp_path, capsys):
    data = load_campaign("campaigns/buses-2026.yml").to_dict()
    for step in data["steps"]:
        step["text"]["pl"] = "Bardzo długa wiadomość o autobusach, " * 6
    path = tmp_path / "long.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main([str(path)]) == 1
    assert "missed in ['pl']" in capsys.readouterr().out
