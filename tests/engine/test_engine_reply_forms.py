"""Replies in the forms people type them (issue 12): an option's word with another ending
inside a sentence ("jeżdżę autobusem"), with an Arabic "the" or "by" in front, an ordinal
with "option" or "one" around it ("primeira opção", "pehla wala"), a yes or no that starts
a longer answer even when it is also a little word ("no, still the bus"). Each reading is
of the question's own options; anything in doubt is still asked again."""

from __future__ import annotations

import pytest

from bot.campaigns.model import Option
from bot.engine.answers import read_reflect
from bot.engine.parsing import parse_choice, parse_scale


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


TRAVEL.update({
    "pa": _travel("pa", "ਬੱਸ", "ਪੈਦਲ", "ਕਾਰ", "ਟੈਕਸੀ"),
    "cy": _travel("cy", "Bws", "Cerdded", "Car", "Tacsi"),
    "bn": _travel("bn", "বাস", "হেঁটে", "গাড়ি", "ট্যাক্সি"),
    "en": [Option(key, {"en": text}) for key, text in
           (("bus", "Bus"), ("walk", "Walk"), ("car", "Car"), ("taxi", "Taxi"))],
})


@pytest.mark.parametrize(("code", "text", "option"), [
    ("pt", "ônibus", "bus"), ("pt", "de onibus", "bus"), ("pt", "caminhando", "walk"),
    ("es", "camión", "bus"), ("es", "voy andando", "walk"), ("es", "en auto", "car"),
    ("pl", "autem", "car"), ("pl", "na piechotę", "walk"), ("pl", "auto", "car"),
    ("ar", "بالباص", "bus"), ("ar", "تاكسي", "taxi"), ("ar", "على الأقدام", "walk"),
    ("uk", "авто", "car"), ("so", "socod", "walk"), ("en", "on foot", "walk"),
    ("en", "I drive", "car"), ("en", "cab", "taxi"),
])
def test_a_word_that_names_the_same_thing_as_an_option(code, text, option):
    """language.yml synonyms: "auto" is the car (not the start of "autobus")."""
    assert choice(code, text) == option


def test_a_synonym_is_a_loose_reading_never_a_strict_one():
    """The strict reading, which beats the model, is the option's own words."""
    assert parse_choice("ônibus", TRAVEL["pt"], ["pt", "en"]) is None
    assert parse_choice("autocarro", TRAVEL["pt"], ["pt", "en"]) == "bus"


@pytest.mark.parametrize(("code", "text", "option"), [
    ("ur", "bas", "bus"), ("ur", "paidal", "walk"), ("ur", "pedal", "walk"),
    ("ur", "main paidal jati hoon", "walk"), ("ur", "gaari", "car"), ("ur", "gaadi", "car"),
    ("ur", "apni gaari", "car"), ("ur", "taxy", "taxi"),
    ("pa", "paidal", "walk"), ("pa", "kaar", "car"), ("pa", "bas", "bus"),
    ("bn", "hete", "walk"), ("bn", "hete jai", "walk"), ("bn", "gari", "car"),
    ("bn", "texi", "taxi"), ("uk", "avtobus", "bus"), ("uk", "pishky", "walk"),
    ("uk", "taksi", "taxi"),
])
def test_a_reply_in_latin_letters_matches_an_option_in_another_script(code, text, option):
    """language.yml latin_letters: Roman Urdu, Panjabi and Bengali, Latin Ukrainian."""
    assert choice(code, text) == option


@pytest.mark.parametrize(("code", "text"), [
    ("ur", "do"), ("ur", "se"), ("ur", "haan"), ("bn", "ok"), ("ur", "paidal ya gaari"), ("ur", "gaari nahi"),
])
def test_short_or_other_latin_words_match_no_option_in_another_script(code, text):
    assert choice(code, text) is None


@pytest.mark.parametrize(("code", "low", "high", "text", "point"), [
    ("ur", "بہت مشکل", "بہت آسان", "bohat mushkil", 1),
    ("ur", "بہت مشکل", "بہت آسان", "bahut aasan", 5),
    ("bn", "খুব কঠিন", "খুব সহজ", "khub kothin", 1),
    ("bn", "খুব কঠিন", "খুব সহজ", "khub sohoj", 5),
    ("pa", "ਬਹੁਤ ਔਖਾ", "ਬਹੁਤ ਸੌਖਾ", "bahut saukha", 5),
    ("en", "Very hard", "Very easy", "really hard", 1),
])
def test_a_scale_end_in_latin_letters_or_other_words(code, low, high, text, point):
    from bot.campaigns.model import Step
    step = Step.from_dict({"id": "ease", "type": "scale", "text": {code: "?", "en": "?"},
                           "min": 1, "max": 5,
                           "labels": {1: {code: low, "en": "Very hard"},
                                      5: {code: high, "en": "Very easy"}}})
    assert parse_scale(text, step, [code, "en"], loose=True) == point


# -- the words in language.yml, through the whole engine -----------------------------------

@pytest.fixture(scope="module")
def twelve():
    from twelve_languages import twelve_language_campaign
    return twelve_language_campaign()


def at(campaign, where: str, code: str):
    """A resident who chose `code` by its name, at "consent", "travel" (a choice) or
    "ideas" (an open question)."""
    from engine_helpers import Chat

    from bot.language import endonym
    chat = Chat(campaign)
    chat.send(endonym(code))
    if where != "consent":
        chat.send("yes")
        if where == "ideas":
            chat.send("1")
    return chat


@pytest.mark.parametrize(("code", "text"), [
    ("pl", "nie życzę sobie wiadomości"), ("pl", "odczepcie się"), ("pl", "prosze o wypisanie"),
    ("ro", "va rog nu ma mai deranjati"), ("ur", "aur message na bhejna"),
    ("bn", "bondho korun"), ("so", "i daaya"), ("uk", "скасувати підписку"),
])
def test_more_ways_to_opt_out(twelve, code, text):
    from bot.engine import Phase
    for where in ("consent", "travel", "ideas"):
        chat = at(twelve, where, code)
        chat.send(text)
        assert chat.phase is Phase.OPTED_OUT, where


@pytest.mark.parametrize(("code", "text", "given"), [
    ("pl", "no jasne", True), ("pl", "nie mam ochoty", False), ("pl", "podziękuję", False),
    ("cy", "oce", True), ("cy", "dim ar hyn o bryd", False), ("cy", "dim isio", False),
    ("ar", "إن شاء الله", True), ("ar", "مش حابب", False), ("ar", "ليس الآن", False),
    ("ro", "fie", True), ("ur", "نہیں کرنا", False), ("pa", "changa", True),
    ("pa", "hune nahi", False), ("so", "waa caadi", True), ("so", "ma xiiseynayo", False),
    ("uk", "не цікавить", False),
])
def test_more_ways_to_say_yes_or_no_to_taking_part(twelve, code, text, given):
    from bot.engine import Event
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert (Event.CONSENT_GIVEN if given else Event.CONSENT_DECLINED) in chat.events


@pytest.mark.parametrize(("code", "text", "option"), [
    ("pl", "pierwsza", "bus"), ("pl", "druga opcja", "walk"), ("pl", "trzecia", "car"),
    ("pl", "jedynka", "bus"), ("pl", "czwórka", "taxi"), ("ar", "التاني", "walk"),
    ("ar", "التالت", "car"), ("ar", "أسوق", "car"), ("so", "mid", "bus"),
])
def test_more_ordinals_and_number_words(code, text, option):
    assert choice(code, text) == option


@pytest.mark.parametrize(("code", "text"), [
    ("ar", "بلاش هالسؤال"), ("ur", "چھوڑ دیں"), ("ur", "rehne dein"),
])
def test_more_ways_to_skip(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.answers[-1].skipped


def test_a_long_open_answer_without_a_word_of_opting_out_is_an_answer(twelve):
    """The model's STOP for a long open answer needs some opt-out word in it."""
    from bot.engine import Phase
    chat = at(twelve, "ideas", "ro")
    chat.send("o trecere de pietoni langa scoala", intent="stop", confidence=0.95)
    assert chat.phase is not Phase.OPTED_OUT and chat.answers[-1].step_id == "ideas"
    chat = at(twelve, "ideas", "ro")
    chat.send("va rog sa nu ma mai deranjati deloc", intent="stop", confidence=0.95)
    assert chat.phase is Phase.OPTED_OUT


@pytest.mark.parametrize(("code", "text", "given"), [
    ("en", "no i dont want to", False), ("cy", "na sori", False), ("es", "paso, gracias", False),
    ("bn", "না থাক", False), ("bn", "ami agrohi noi", False), ("pt", "bora lá", True),
    ("ur", "nai ji", False),
])
def test_a_plain_yes_or_no_at_consent_is_not_a_command_found_inside_it(twelve, code, text,
                                                                         given):
    """"dont want to" is how SKIP starts, "sori?" asks for help, "paso" skips: at the consent
    question a reply that reads as yes or no is that."""
    from bot.engine import Event
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert (Event.CONSENT_GIVEN if given else Event.CONSENT_DECLINED) in chat.events


def test_a_command_word_itself_at_consent_is_still_the_command(twelve):
    chat = at(twelve, "consent", "en")
    chat.send("help")
    assert chat.phase.name == "AWAITING_CONSENT" and not chat.events


@pytest.mark.parametrize(("code", "text"), [
    ("en", "i want to be removed"), ("en", "stop msging me"), ("en", "wrong number"),
    ("en", "no more please"), ("en", "delete me from your list"),
    ("cy", "gadewch fi fod"), ("pl", "nie chce tych smsow"), ("ar", "ارجو عدم مراسلتي"),
    ("ur", "ab bas karo"), ("pa", "mera number kadh do"), ("bn", "ar sms diben na"),
    ("bn", "আমাকে বাদ দিন"), ("pt", "quero sair"), ("so", "i dhaaf"),
])
def test_yet_more_ways_to_opt_out(twelve, code, text):
    from bot.engine import Phase
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert chat.phase is Phase.OPTED_OUT


def test_a_greeting_with_an_option_in_it_is_the_answer(twelve):
    """The model calls "paidal hi" a greeting ("hi"); it names an option."""
    chat = at(twelve, "travel", "en")
    chat.send("hi, walk", intent="greet", confidence=0.9)
    assert chat.answers[-1].step_id == "travel"
    chat = at(twelve, "travel", "en")
    chat.send("hello", intent="greet", confidence=0.9)
    assert not chat.answers


@pytest.mark.parametrize(("code", "text", "option"), [
    ("pt", "no carro", "car"), ("pt", "no meu carro", "car"),
])
def test_a_negation_that_is_a_little_word_of_their_language(code, text, option):
    """Portuguese "no" is "in the": "no carro" is the car (English "no car" is not)."""
    assert choice(code, text) == option
    assert choice("es", "no coche") is None


@pytest.mark.parametrize("text", ["gaari nahi", "paidal nahin", "bus na"])
def test_roman_urdu_negations(text):
    assert choice("ur", text) is None


@pytest.mark.parametrize("text", [
    "unsubsribe", "unsubscibe me", "stop texing me", "dezabonre", "leave me aloen",
    "wypiszcie mnei", "S T O P", "stop stop stop", "STOP STOP", "🛑", "🛑🛑",
])
def test_an_opt_out_misspelt_spaced_out_repeated_or_as_the_stop_sign(text):
    from bot.engine.commands import is_opt_out
    assert is_opt_out(text)


@pytest.mark.parametrize("text", [
    "no more taxis", "more buses please", "not interested", "not intrested", "taksowka",
    "stop at school", "b u s", "1 2 3", "\ufe0f", "delete my answers", "remove my data", "non-stop",
    "the second one from the list",
])
def test_nothing_near_an_opt_out_but_not_one_is_one(text):
    from bot.engine.commands import is_opt_out
    assert not is_opt_out(text)


@pytest.mark.parametrize(("code", "text"), [
    ("ur", "mujhe akela chhod do"), ("ur", "dobara msg na karna"), ("ur", "mera number hatao"),
    ("ur", "اسٹاپ"), ("ur", "messages band kar do"), ("pa", "mainu list ton hatao"),
    ("pa", "ਮੈਨੂੰ ਇਕੱਲਾ ਛੱਡ ਦਿਓ"), ("pa", "dubara sampark na karo"), ("bn", "আনসাবস্ক্রাইব"),
    ("bn", "ar jogajog korben na"), ("bn", "ar kono msg chai na"), ("bn", "স্টপ"),
    ("ar", "اتركني وشأني"), ("ar", "لا تبعتلي"), ("es", "no vuelvan a escribirme"),
    ("pt", "quero cancelar"), ("so", "nabad i daa"), ("uk", "залиште мене у спокої"),
    ("uk", "stop bud laska"), ("uk", "не пишите мне"), ("cy", "gadael fi fod"),
    ("en", "take my details from your list"),
])
def test_opt_outs_in_roman_and_native_script(twelve, code, text):
    from bot.engine import Phase
    for where in ("consent", "travel", "ideas"):
        chat = at(twelve, where, code)
        chat.send(text)
        assert chat.phase is Phase.OPTED_OUT, where


@pytest.mark.parametrize(("code", "text", "option"), [
    ("ur", "bus se kar ke", "bus"), ("ur", "gaari se safar karta hoon", "car"),
])
def test_roman_urdu_kar_is_never_the_car(code, text, option):
    """"kar" (do) would be spelt like "کار" (a car): it is a little word."""
    assert choice(code, text) == option


def test_bengali_kore_is_never_the_car():
    assert choice("bn", "bus e kore jai") == "bus"


# The word for their phone number in each language, as it is folded.
NUMBER_WORDS = {
    "en": ("number",), "cy": ("rhif",), "pl": ("numer",), "ar": ("رقمي",), "ro": ("numarul",),
    "ur": ("number", "نمبر"), "pa": ("number", "ਨੰਬਰ"), "bn": ("number", "নাম্বার", "নম্বর"),
    "pt": ("numero",), "es": ("numero",), "so": ("lambarkayga", "lambarkeyga", "nambarkayga",
                                                 "nambarkeyga"), "uk": ("номер",),
}


@pytest.mark.parametrize("code", sorted(NUMBER_WORDS))
def test_deleting_their_number_both_erases_and_opts_out(twelve, code):
    """"Delete my number" leaves nobody to text: every deletion phrase of a language that names
    the number opts out too (and their data goes), wherever it is in a message."""
    from bot.engine import Event, Phase
    from bot.language import LANGUAGES
    from bot.text import fold
    phrases = [phrase for phrase in LANGUAGES[code].delete_phrases
               if set(fold(phrase).split()) & {fold(word) for word in NUMBER_WORDS[code]}]
    assert phrases, code
    for phrase in phrases:
        chat = at(twelve, "travel", code)
        chat.send(phrase)
        assert Event.ERASE_REQUESTED in chat.events and chat.phase is Phase.OPTED_OUT, phrase


def _scale(code: str, low: str, high: str):
    from bot.campaigns.model import Step
    return Step.from_dict({"id": "ease", "type": "scale", "text": {code: "?", "en": "?"},
                           "min": 1, "max": 5, "labels": {1: {code: low, "en": "Very hard"},
                                                          5: {code: high, "en": "Very easy"}}})


@pytest.mark.parametrize(("code", "low", "high", "text", "point"), [
    ("en", "Very hard", "Very easy", "hard", 1), ("en", "Very hard", "Very easy", "easy", 5),
    ("cy", "Anodd iawn", "Hawdd iawn", "anodd", 1), ("uk", "Дуже важко", "Дуже легко", "легко", 5),
    ("ar", "صعب جدا", "سهل جدا", "صعب", 1), ("ar", "صعب جدا", "سهل جدا", "سهلة كتير", 5),
])
def test_part_of_a_scale_end_or_two_words_swapped_for_others(code, low, high, text, point):
    """"hard" is part of one end only; "سهلة كتير" swaps both words of "سهل جدا"."""
    assert parse_scale(text, _scale(code, low, high), [code, "en"], loose=True) == point


@pytest.mark.parametrize("text", ["very", "not hard", "quite hard"])
def test_a_word_of_both_ends_or_a_negated_end_is_no_point(text):
    assert parse_scale(text, _scale("en", "Very hard", "Very easy"), ["en"], loose=True) is None


@pytest.mark.parametrize(("code", "text", "option"), [
    ("ar", "امشي عادة", "walk"), ("so", "tagsiyada", "taxi"), ("cy", "bysus", "bus"),
    ("uk", "ходжу", "walk"),
])
def test_yet_more_words_for_the_options(code, text, option):
    assert choice(code, text) == option


@pytest.mark.parametrize(("code", "text"), [
    ("ar", "لا اريد ان اقول"), ("so", "xigta"), ("so", "iska daa"), ("cy", "nesa"),
])
def test_yet_more_ways_to_skip(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.answers[-1].skipped


@pytest.mark.parametrize(("code", "text", "given"), [
    ("so", "hadda ma awoodo", False), ("cy", "iawn gen i", True), ("cy", "dim heddiw", False),
    ("pt", "sim senhor", True), ("ur", "haan ji kar lete hain", True),
    ("ur", "abhi waqt nahi", False), ("bn", "হ্যাঁ পারব", True),
])
def test_round_five_yes_and_no(twelve, code, text, given):
    from bot.engine import Event
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert (Event.CONSENT_GIVEN if given else Event.CONSENT_DECLINED) in chat.events


@pytest.mark.parametrize(("code", "text"), [
    ("so", "ma rabo fariimahan"), ("cy", "tynnwch fi"), ("uk", "прошу не писати"),
    ("pt", "nao quero mais"), ("pt", "cancelem"),
])
def test_round_five_opt_outs(twelve, code, text):
    from bot.engine import Phase
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert chat.phase is Phase.OPTED_OUT


@pytest.mark.parametrize(("code", "text"), [
    ("so", "ma jecli inaan sheego"), ("ur", "نہیں بتانا"), ("ur", "چھوڑو"), ("bn", "পরের টা"),
])
def test_round_five_skips(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.answers[-1].skipped


@pytest.mark.parametrize("text", ["no, stop", "maya jooji", "na stopio", "ні, стоп", "لا توقف",
                                  "nope unsubscribe", "no no stop"])
def test_a_plain_no_around_a_stop_word_still_opts_out(text):
    from bot.engine.commands import is_opt_out
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["no", "no bus", "not now stop", "nie"])
def test_a_no_alone_or_with_an_answer_is_no_opt_out(text):
    from bot.engine.commands import is_opt_out
    assert not is_opt_out(text)
