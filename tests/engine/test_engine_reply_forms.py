"""Replies in the forms people type them (issue 12): an option's word with another ending
inside a sentence ("jeżdżę autobusem"), with an Arabic "the" or "by" in front, an ordinal
with "option" or "one" around it ("primeira opção", "pehla wala"), a yes or no that starts
a longer answer even when it is also a little word ("no, still the bus"). Each reading is
of the question's own options; anything in doubt is still asked again."""

from __future__ import annotations

import pytest

from bot.campaigns.model import Option
from bot.engine.answers import read_reflect
from bot.engine.parsing import parse_choice


def _travel(code: str, bus: str, walk: str, car: str, taxi: str) -> list[Option]:
    words = {"bus": bus, "walk": walk, "car": car, "taxi": taxi}
    english = {"bus": "Bus", "walk": "Walk", "car": "Car", "taxi": "Taxi"}
    return [Option(key, {code: words[key], "en": english[key]}) for key in words]


TRAVEL = {
    "pl": _travel("pl", "Autobus", "Pieszo", "Samochód", "Taksówka"),
    "ro": _travel("ro", "Autobuz", "Pe jos", "Mașină", "Taxi"),
    "ar": _travel("ar", "الحافلة", "المشي", "السيارة", "سيارة أجرة"),
    "so": _travel("so", "Bas", "Lugeyn", "Gaari", "Tagsi"),
    "ur": _travel("ur", "بس", "پیدل", "گاڑی", "ٹیکسی"),
    "pt": _travel("pt", "Autocarro", "A pé", "Carro", "Táxi"),
    "es": _travel("es", "Autobús", "A pie", "Coche", "Taxi"),
    "uk": _travel("uk", "Автобус", "Пішки", "Машина", "Таксі"),
}


def choice(code: str, text: str) -> str | None:
    return parse_choice(text, TRAVEL[code], [code, "en"], loose=True)


@pytest.mark.parametrize(("code", "text", "option"), [
    ("pl", "jeżdżę autobusem", "bus"), ("pl", "autobusem zazwyczaj", "bus"),
    ("pl", "jade samochodem", "car"), ("pl", "biorę taksówkę", "taxi"),
    ("ro", "merg cu autobuzul", "bus"), ("ro", "iau autobuzul", "bus"),
    ("so", "baska ayaan raacaa", "bus"),
    ("ar", "بالسيارة عادة", "car"), ("ar", "سيارتي الخاصة", "car"),
])
def test_an_option_word_with_another_ending_inside_a_sentence(code, text, option):
    assert choice(code, text) == option


@pytest.mark.parametrize(("text", "option"), [
    ("سيارة", "car"), ("بالسيارة", "car"), ("سيارتي", "car"), ("بسيارتي", "car"),
    ("سيارة أجرة", "taxi"), ("بسيارة أجرة", "taxi"),
])
def test_a_word_that_is_all_of_one_option_and_part_of_another_is_the_first(text, option):
    """Car is "السيارة", taxi "سيارة أجرة" (a hired car): "سيارة" is the car."""
    assert choice("ar", text) == option


@pytest.mark.parametrize(("code", "text"), [
    ("pl", "nie autobusem"), ("pl", "autobusem albo samochodem"), ("ro", "nu cu autobuzul"),
])
def test_a_negated_or_doubled_inflected_option_is_asked_again(code, text):
    assert choice(code, text) is None


@pytest.mark.parametrize(("code", "text", "option"), [
    ("pt", "primeira opção", "bus"), ("es", "la primera opción", "bus"),
    ("uk", "перший варіант", "bus"), ("ro", "prima varianta", "bus"),
    ("ur", "pehla wala", "bus"), ("ur", "دوسرا والا", "walk"),
])
def test_an_ordinal_with_option_or_one_around_it(code, text, option):
    """"one" around an ordinal is dropped ("the first one"), the ordinal itself never."""
    assert choice(code, text) == option


@pytest.mark.parametrize(("text", "meaning"), [
    ("no, still the bus", "no"), ("no still bus", "no"), ("yes a bit", "yes"),
    ("well yes a bit", "yes"),
])
def test_a_yes_or_no_that_starts_a_longer_reflect_answer(text, meaning):
    """"no" is also Portuguese for "in the", a little word; it still starts the answer."""
    assert read_reflect(text, loose=True) == meaning


def test_little_words_that_say_both_yes_and_no_are_no_answer():
    assert read_reflect("ok no", loose=True) is None
