"""Part of an option's words picks it ("Parcio" for "Parcio yn yr ysbyty"), but only when it
names exactly one option; little words, yes, no and commands never do."""

from __future__ import annotations

import pytest
from engine_helpers import chat_at

from bot.campaigns.model import Option
from bot.engine import Phase
from bot.engine.parsing import parse_choice, parse_scale


def _options(*rows: tuple[str, str, str, str]) -> list[Option]:
    return [Option(id_, {"en": en, "cy": cy, "pl": pl}) for id_, en, cy, pl in rows]


# As in the buses-2026 example campaign.
TRAVEL = _options(
    ("bus", "Bus", "Bws", "Autobus"),
    ("drive", "Drive myself", "Gyrru fy hun", "Własnym autem"),
    ("lift", "Lift from someone", "Lifft gan rywun", "Podwózka"),
    ("taxi", "Taxi", "Tacsi", "Taksówka"),
    ("community", "Community transport", "Cludiant cymunedol", "Transport społeczny"),
    ("other", "Another way", "Ffordd arall", "Inaczej"),
)
HARDEST = _options(
    ("routes", "Bus routes or times", "Llwybrau neu amserau bysiau", "Trasy lub godziny autobusów"),
    ("cost", "Cost of fares or taxis", "Cost bysiau neu dacsis", "Koszt biletów lub taksówek"),
    ("parking", "Hospital parking", "Parcio yn yr ysbyty", "Parking przy szpitalu"),
    ("booking", "Booking by phone", "Ffonio i drefnu", "Umawianie przez telefon"),
    ("other", "Something else", "Rhywbeth arall", "Coś innego"),
)
FIRST_FIX = _options(
    ("buses", "More buses", "Mwy o fysiau", "Więcej autobusów"),
    ("costs", "Help with costs", "Help i dalu", "Pomoc w kosztach"),
    ("door", "Door-to-door transport", "Cludiant drws i ddrws", "Przewóz spod domu"),
)
EN = ["en", "cy", "pl"]
CY = ["cy", "en", "pl"]
PL = ["pl", "en", "cy"]


@pytest.mark.parametrize(
    ("options", "text", "languages", "option"),
    [(HARDEST, "Parcio", CY, "parking"), (HARDEST, "parcio", EN, "parking"),
     (HARDEST, "parking", EN, "parking"), (HARDEST, "PARKING!", PL, "parking"),
     (HARDEST, "Hospital", EN, "parking"), (HARDEST, "yr ysbyty", CY, "parking"),
     (HARDEST, "the parking", EN, "parking"), (HARDEST, "parking please", EN, "parking"),
     (HARDEST, "ysbyty plis", CY, "parking"), (HARDEST, "phone", EN, "booking"),
     (HARDEST, "ffonio", CY, "booking"), (HARDEST, "telefon", PL, "booking"),
     (HARDEST, "taxis", EN, "cost"), (HARDEST, "fares", EN, "cost"),
     (HARDEST, "times", EN, "routes"), (HARDEST, "bus routes", EN, "routes"),
     (TRAVEL, "community", EN, "community"), (TRAVEL, "Community.", EN, "community"),
     (TRAVEL, "cymunedol", CY, "community"), (TRAVEL, "transport", EN, "community"),
     (TRAVEL, "lift", EN, "lift"), (TRAVEL, "Lift", CY, "lift"), (TRAVEL, "lifft", CY, "lift"),
     (TRAVEL, "someone", EN, "lift"), (TRAVEL, "drive", EN, "drive"), (TRAVEL, "I drive", EN, "drive"),
     (TRAVEL, "gyrru", CY, "drive"), (TRAVEL, "another", EN, "other"),
     (FIRST_FIX, "door to door", EN, "door"), (FIRST_FIX, "drws i ddrws", CY, "door")],
)
def test_part_of_one_options_words(options, text, languages, option):
    assert parse_choice(text, options, languages) is None  # a loose reading, after the model
    assert parse_choice(text, options, languages, loose=True) == option


@pytest.mark.parametrize(
    ("options", "text", "option"),
    [(TRAVEL, "comm", "community"), (TRAVEL, "Commun", "community"), (TRAVEL, "trans", "community"),
     (TRAVEL, "someo", "lift"), (HARDEST, "hosp", "parking"), (HARDEST, "hosp park", "parking"),
     (HARDEST, "park", "parking"), (HARDEST, "book", "booking"), (HARDEST, "taxi", "cost"),
     (FIRST_FIX, "trans", "door")],
)
def test_a_clear_prefix_of_one_options_word(options, text, option):
    assert parse_choice(text, options, EN, loose=True) == option


@pytest.mark.parametrize(
    ("options", "text"),
    [(HARDEST, "bysiau"),  # "Llwybrau neu amserau bysiau" and "Cost bysiau neu dacsis"
     (HARDEST, "or"), (HARDEST, "neu"), (HARDEST, "lub"), (HARDEST, "the"), (HARDEST, "yn"),
     (HARDEST, "i"), (HARDEST, "yn yr"), (HARDEST, "o"), (HARDEST, "w"), (TRAVEL, "from"),
     (TRAVEL, "fy"), (TRAVEL, "gan"), (FIRST_FIX, "to"), (FIRST_FIX, "with"),
     (HARDEST, "par"), (HARDEST, "hos"),  # prefixes under four letters
     (HARDEST, "not parking"), (HARDEST, "no parking"), (HARDEST, "dim parcio"),
     (FIRST_FIX, "more"), (FIRST_FIX, "help"), (HARDEST, "ok"),  # command and yes words
     (HARDEST, "parking bus"), (HARDEST, "phone parking"), (TRAVEL, "parking"),
     (TRAVEL, "some")],
)
def test_unclear_or_little_words_are_asked_again(options, text):
    assert parse_choice(text, options, EN, loose=True) is None


def test_several_options_sharing_a_word_are_never_guessed():
    options = [Option("club", {"en": "Youth club"}), Option("workers", {"en": "Youth workers"}),
               Option("parks", {"en": "Parks"}), Option("parking", {"en": "Parking"})]
    assert parse_choice("youth", options, ["en"], loose=True) is None
    assert parse_choice("club", options, ["en"], loose=True) == "club"
    assert parse_choice("work", options, ["en"], loose=True) == "workers"
    assert parse_choice("park", options, ["en"], loose=True) is None  # parks or parking


def test_whole_words_beat_prefixes():
    options = [Option("car", {"en": "Car share"}), Option("cards", {"en": "Cards for fares"})]
    assert parse_choice("car", options, ["en"], loose=True) == "car"
    assert parse_choice("card", options, ["en"], loose=True) == "cards"


def test_the_residents_language_first():
    options = [Option("bench", {"en": "Park bench", "cy": "Mainc"}),
               Option("play", {"en": "Playground", "cy": "Park chwarae"})]
    assert parse_choice("park", options, ["en", "cy"], loose=True) == "bench"
    assert parse_choice("park", options, ["cy", "en"], loose=True) == "play"
    assert parse_choice("chwarae", options, ["en", "cy"], loose=True) == "play"


def test_numbers_beat_words():
    options = [Option("five", {"en": "Route 5"}), Option("two", {"en": "Route 2"})]
    assert parse_choice("2", options, ["en"], loose=True) == "two"
    assert parse_choice("1", options, ["en"], loose=True) == "five"
    assert parse_choice("route 2", options, ["en"], loose=True) == "two"
    assert parse_choice("route", options, ["en"], loose=True) is None


def test_scales_are_not_read_by_part(campaign):
    # "Strongly" starts both ends of the scale; a scale word is never taken by halves.
    step = campaign.step("fare_cost")
    assert parse_scale("strongly", step, EN, loose=True) is None
    assert parse_scale("disagree", step, EN, loose=True) is None


# -- in a conversation ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def hospital(campaign):
    data = campaign.to_dict()
    step = next(s for s in data["steps"] if s["id"] == "travel_mode")
    step["options"] = [
        {"id": "bus", "text": {"en": "Bus", "cy": "Bws", "pl": "Autobus"}},
        {"id": "parking", "text": {"en": "Hospital parking", "cy": "Parcio yn yr ysbyty",
                                   "pl": "Parking przy szpitalu"}},
        {"id": "community", "text": {"en": "Community transport", "cy": "Cludiant cymunedol",
                                     "pl": "Transport społeczny"}},
        {"id": "lift", "text": {"en": "Lift from someone", "cy": "Lifft gan rywun",
                                "pl": "Podwózka"}},
    ]
    return type(campaign).from_dict(data)


@pytest.mark.parametrize(
    ("language", "reply", "option"),
    [("1", "parking", "parking"), ("2", "Parcio", "parking"), ("1", "community", "community"),
     ("1", "lift", "lift"), ("3", "podwózka", "lift"), ("2", "cymunedol", "community")],
)
def test_a_choice_by_part_of_its_words(hospital, language, reply, option):
    chat = chat_at(hospital, "travel_mode", language=language)
    chat.send(reply)
    assert chat.state.answers["travel_mode"] == option
    assert chat.phase is Phase.AWAITING_WHY and chat.state.misunderstood == 0


def test_a_revisit_by_part_of_its_words(hospital):
    chat = chat_at(hospital, "travel_mode_again")
    chat.send("Community")
    assert chat.state.answers["travel_mode_again"] == "community"
    assert chat.phase is Phase.COMPLETED


def test_little_words_get_a_re_ask(hospital):
    for language, reply in (("1", "the"), ("2", "yn"), ("1", "i"), ("2", "yr")):
        chat = chat_at(hospital, "travel_mode", language=language)
        chat.send(reply)
        assert "travel_mode" not in chat.state.answers and chat.state.misunderstood == 1
        assert chat.step == "travel_mode" and chat.phase is Phase.IN_STEP


def test_a_word_of_two_options_gets_a_re_ask(hospital):
    data = hospital.to_dict()
    step = next(s for s in data["steps"] if s["id"] == "travel_mode")
    step["options"][0]["text"]["en"] = "Hospital bus"
    chat = chat_at(type(hospital).from_dict(data), "travel_mode")
    chat.send("hospital")
    assert "travel_mode" not in chat.state.answers and chat.state.misunderstood == 1
    assert chat.text.startswith("Sorry")
    chat.send("hospital parking")
    assert chat.state.answers["travel_mode"] == "parking"
