"""Options named by their place ("the first one", "last one", "yr ail", "ostatni"), with an
ending added ("buses", "walking") or two letters swapped ("bsu"), in the shipped languages'
own words; a negation or anything else said is never read as a place."""

from __future__ import annotations

import pytest

from bot.campaigns.model import Option
from bot.engine.parsing import parse_choice, parse_position

OPTIONS = [Option("bus", {"en": "Bus", "cy": "Bws", "pl": "Autobus"}),
           Option("walk", {"en": "Walk", "cy": "Cerdded", "pl": "Pieszo"}),
           Option("car", {"en": "Car", "cy": "Car", "pl": "Samochód"}),
           Option("taxi", {"en": "Taxi", "cy": "Tacsi", "pl": "Taksówka"})]


@pytest.mark.parametrize(("text", "place"), [
    ("the first one", 1), ("First", 1), ("number two", 2), ("the second option", 2),
    ("last one", 4), ("the last one", 4), ("4th", 4), ("3rd", 3), ("yr un olaf", 4),
    ("yr ail", 2), ("ostatni", 4), ("kan koowaad", 1), ("el último", 4), ("o primeiro", 1),
    ("a doua opțiune", 2), ("перший", 1),
])
def test_places_in_every_language(text, place):
    assert parse_position(text, 4) == place


@pytest.mark.parametrize("text", ["not the first one", "bus", "2 please", "the first bus",
                                  "first I walk then the bus", ""])
def test_anything_else_is_not_a_place(text):
    assert parse_position(text, 4) is None


@pytest.mark.parametrize(("text", "option"), [
    ("the first one", "bus"), ("the last one", "taxi"), ("the second option", "walk"),
])
def test_a_place_is_a_clear_answer_before_the_model(text, option):
    assert parse_choice(text, OPTIONS, ["en", "cy", "pl"]) == option


@pytest.mark.parametrize(("text", "option"), [
    ("buses", "bus"), ("walking", "walk"), ("cars", "car"), ("bsu", "bus"), ("wlak", "walk"),
    ("autobusem", "bus"), ("taxis", "taxi"),
])
def test_endings_and_swapped_letters_are_read_loosely(text, option):
    assert parse_choice(text, OPTIONS, ["en", "cy", "pl"]) is None
    assert parse_choice(text, OPTIONS, ["en", "cy", "pl"], loose=True) == option


def test_the_fifth_of_four_is_no_answer():
    assert parse_choice("the fifth one", OPTIONS, ["en"]) is None
