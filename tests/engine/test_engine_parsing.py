"""Answer parsing: numbers in every form, option words, misspellings, scales, ranks, free text."""

from __future__ import annotations

import pytest

from bot.engine.parsing import (
    MAX_TEXT,
    lone_number,
    parse_choice,
    parse_free_text,
    parse_number,
    parse_rank,
    parse_scale,
    parse_yes_no,
)

EN = ["en", "cy", "pl"]
CY = ["cy", "en", "pl"]


@pytest.mark.parametrize(
    "text",
    ["2", "2.", " 2 ", "two", "Two", "dau", "dwy", "dwa", "doi", "două", "اثنان", "اثنين", "٢",
     "۲", "option 2", "Option 2.", "no. 2", "No 2", "#2", "nr 2", "number 2", "rhif 2",
     "opcja 2", "رقم ٢", "varianta 2", "2️⃣", "2⃣", "２", "second", "ail", "it's 2"],
)
def test_the_number_two_in_every_form(text):
    assert parse_number(text) == 2


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("one", 1), ("un", 1), ("jeden", 1), ("unu", 1), ("واحد", 1), ("3", 3),
     ("tri", 3), ("trzy", 3), ("trei", 3), ("ثلاثة", 3), ("5", 5), ("pięć", 5), ("piec", 5),
     ("pump", 5), ("cinci", 5), ("🔟", 10), ("10", 10), ("zero", 0), ("٣", 3)],
)
def test_numbers(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text", ["", "  ", "no", "option", "2 3", "2.5", "two buses", "bus", "😀", "#", "x" * 5000,
             "9" * 5000, "-", "2nd"],
)
def test_not_a_number(text):
    assert parse_number(text) is None


def test_lone_number_in_a_short_sentence():
    assert lone_number("I'd say 4") == 4
    assert lone_number("2 please") == 2
    assert lone_number("4 or 5") is None
    assert lone_number("no numbers here") is None
    assert lone_number("1 " + "word " * 20) is None


def test_choice_by_number_and_out_of_range(campaign):
    options = campaign.step("travel_mode").options
    assert parse_choice("3", options, EN) == "car"
    assert parse_choice("0", options, EN) is None
    assert parse_choice("4", options, EN) is None
    assert parse_choice("4", options, EN, loose=True) is None


@pytest.mark.parametrize(
    ("text", "option"),
    [("Bus", "bus"), ("bus", "bus"), ("BUS", "bus"), (" walk. ", "walk"), ("Bws", "bus"),
     ("cerdded", "walk"), ("Samochód", "car"), ("samochod", "car"), ("PIESZO", "walk"),
     ("Car", "car")],
)
def test_choice_by_option_words_in_any_campaign_language(campaign, text, option):
    assert parse_choice(text, campaign.step("travel_mode").options, EN) == option


@pytest.mark.parametrize(
    ("text", "option"),
    [("buss", "bus"), ("walkk", "walk"), ("samochot", "car"),
     ("cerded", "walk"), ("I take the bus", "bus"), ("by bus mostly", "bus"),
     ("2 please", "walk"), ("I walk", "walk")],
)
def test_loose_choice(campaign, text, option):
    options = campaign.step("travel_mode").options
    assert parse_choice(text, options, EN) is None
    assert parse_choice(text, options, EN, loose=True) == option


@pytest.mark.parametrize(
    "text",
    ["not the bus", "bus or car", "purple", "ca", "b", "I don't walk", "", "plane",
     "the bus is never on time and I can't walk far and I have no car" * 3],
)
def test_loose_choice_refuses_when_unsure(campaign, text):
    assert parse_choice(text, campaign.step("travel_mode").options, EN, loose=True) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("5", 5), ("five", 5), ("pump", 5), ("5️⃣", 5), ("٥", 5),
     ("Strongly agree", 5), ("strongly disagree", 1), ("Cytuno'n gryf", 5),
     ("zdecydowanie nie", 1)],
)
def test_scale(campaign, text, value):
    assert parse_scale(text, campaign.step("fare_cost"), EN) == value


@pytest.mark.parametrize("text", ["0", "6", "agree", "lots", "", "1 5", "-1"])
def test_scale_refuses(campaign, text):
    assert parse_scale(text, campaign.step("fare_cost"), EN, loose=True) is None


def test_loose_scale(campaign):
    step = campaign.step("fare_cost")
    assert parse_scale("I'd give it 4", step, EN) is None
    assert parse_scale("I'd give it 4", step, EN, loose=True) == 4
    assert parse_scale("strongly agre", step, EN, loose=True) == 5
    assert parse_scale("4 out of 5", step, EN, loose=True) is None


@pytest.mark.parametrize(
    ("text", "order"),
    [("312", ["safety", "cost", "time"]), ("3 1 2", ["safety", "cost", "time"]),
     ("3,1,2", ["safety", "cost", "time"]), ("3-1-2", ["safety", "cost", "time"]),
     ("3, 1, 2", ["safety", "cost", "time"]), ("3 > 1 > 2", ["safety", "cost", "time"]),
     ("٣١٢", ["safety", "cost", "time"]), ("3️⃣1️⃣2️⃣", ["safety", "cost", "time"]),
     ("three one two", ["safety", "cost", "time"]), ("2", ["time"]), ("21", ["time", "cost"]),
     ("safety, cost, time", ["safety", "cost", "time"]), ("Amser, Cost", ["time", "cost"]),
     ("safety then time", ["safety", "time"])],
)
def test_rank(campaign, text, order):
    assert parse_rank(text, campaign.step("priorities").options, EN) == order


@pytest.mark.parametrize(
    "text", ["311", "4", "3124", "0", "", "cost", "safety, safety", "abc", "1 2 3 4 5 6 7",
             "9" * 5000, "3,1,x"],
)
def test_rank_refuses(campaign, text):
    assert parse_rank(text, campaign.step("priorities").options, EN) is None


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes!", "y", "YEAH", "yep", "ok", "OK.", "okay", "sure", "ie", "Iawn", "ydw", "tak",
     "TAK", "نعم", "da", "Da.", "👍", "👍🏽", "✅", "yes please", "zgadzam się"],
)
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text", ["no", "NO", "n", "nope", "no thanks", "na", "nac ydw", "nie", "Nie.", "لا", "nu",
             "👎", "❌", "nie dziękuję"],
)
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["maybe", "", "yes no", "1", "😀", "stop", "bus"])
def test_neither_yes_nor_no(text):
    assert parse_yes_no(text) is None


def test_free_text():
    assert parse_free_text("  More buses \n") == "More buses"
    assert parse_free_text("x" * 5000) == "x" * MAX_TEXT
    assert parse_free_text("الحافلات متأخرة") == "الحافلات متأخرة"
    assert parse_free_text("a\x00b\x1bc") == "abc"
    for empty in ("", "   ", "😀😀", "...", "\x00\x01", "👍"):
        assert parse_free_text(empty) is None
