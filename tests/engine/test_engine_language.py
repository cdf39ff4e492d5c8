"""The language menu, switching at any time, detection from free text, and every language's
yes and no."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import Chat, chat_at

from bot.engine import Event, Phase, start
from bot.text import sms_segments

POINTS = ["consent", "intro", "travel_mode", "travel_mode.why", "fare_cost", "priorities",
          "ideas", "others_mode", "travel_mode_again", "completed"]


def test_five_language_menu_fits_one_sms(five):
    message = start(five).messages[0]
    assert message == "Choose your language:\n1 English\n2 Cymraeg\n3 Polski\n4 العربية\n5 Română"
    assert sms_segments(message).segments == 1


@pytest.mark.parametrize(
    ("reply", "language"),
    [("1", "en"), ("2", "cy"), ("3", "pl"), ("4", "ar"), ("5", "ro"), ("4️⃣", "ar"), ("٤", "ar"),
     ("five", "ro"), ("Cymraeg", "cy"), ("welsh", "cy"), ("po polsku", "pl"), ("عربي", "ar"),
     ("العربية", "ar"), ("romana", "ro"), ("Română", "ro"), ("English please", "en"),
     ("option 3", "pl")],
)
def test_menu_choices(five, reply, language):
    chat = Chat(five)
    chat.send(reply)
    assert chat.state.language == language and chat.state.language_chosen
    assert chat.phase is Phase.AWAITING_CONSENT
    assert chat.events == [Event.LANGUAGE_CHANGED]
    assert chat.text.startswith(five.consent_text[language])


@pytest.mark.parametrize("reply", ["6", "0", "no", "bus", "French", "😀", ""])
def test_menu_reask(five, reply):
    chat = Chat(five)
    chat.send(reply)
    assert chat.phase is Phase.CHOOSING_LANGUAGE
    assert "1 English" in chat.text and chat.state.language == "en"


@pytest.mark.parametrize(("reply", "language"), [
    ("yes", "en"), ("Yes!", "en"), ("ok", "en"), ("👍", "en"),
    ("ie", "cy"), ("tak", "pl"), ("da", "ro"), ("نعم", "ar"),
])
def test_yes_at_the_menu_goes_on_in_the_language_of_that_yes(five, reply, language):
    chat = Chat(five)
    chat.send(reply)
    assert chat.phase is Phase.AWAITING_CONSENT
    assert chat.state.language == language and not chat.state.language_chosen
    assert chat.events == ([] if language == "en" else [Event.LANGUAGE_CHANGED])
    assert chat.state.misunderstood == 0
    assert chat.text.startswith(five.consent_text[language] + "\n")


def test_yes_at_the_menu_picks_the_campaigns_first_language(campaign):
    welsh_first = dataclasses.replace(campaign, languages=("cy", "en", "pl"))
    chat = Chat(welsh_first)
    chat.send("ok")
    assert chat.state.language == "cy" and not chat.state.language_chosen
    assert chat.text.startswith(campaign.consent_text["cy"])


def test_the_models_affirm_at_the_menu(five):
    chat = Chat(five)
    chat.send("sounds good", intent="affirm", confidence=0.9)
    assert chat.phase is Phase.AWAITING_CONSENT and chat.state.language == "en"
    assert not chat.state.language_chosen
    for intent, confidence in (("affirm", 0.6), ("deny", 0.95)):
        chat = Chat(five)
        chat.send("that works", intent=intent, confidence=confidence)
        assert chat.phase is Phase.CHOOSING_LANGUAGE and "1 English" in chat.text


def test_after_a_yes_at_the_menu_their_own_words_may_still_switch(campaign):
    chat = Chat(campaign)
    for reply in ("yes", "yes", "ok", "2", "skip", "skip"):
        chat.send(reply)
    assert chat.step == "ideas" and not chat.state.language_chosen
    chat.send(LONG_WELSH)
    assert chat.state.language == "cy" and chat.events == [Event.LANGUAGE_CHANGED]


def test_menu_accepts_a_long_message_in_a_campaign_language(five):
    chat = Chat(five)
    chat.send("Dzień dobry, chciałabym wziąć udział w tej ankiecie o autobusach")
    assert chat.state.language == "pl" and not chat.state.language_chosen
    assert chat.phase is Phase.AWAITING_CONSENT and chat.text.startswith("Pytamy o autobusy.")


@pytest.mark.parametrize("point", POINTS)
def test_switch_language_at_any_time(campaign, point):
    chat = chat_at(campaign, point)
    before = chat.state.to_dict()
    chat.send("Cymraeg")
    assert chat.events == [Event.LANGUAGE_CHANGED]
    assert chat.state.language == "cy" and chat.state.language_chosen
    assert chat.last.answers == []
    welsh = chat.send("REPEAT")
    assert chat.last.messages == welsh
    assert {k: v for k, v in chat.state.to_dict().items() if k != "language"} == {
        k: v for k, v in before.items() if k not in ("language", "misunderstood")} | {
        "misunderstood": 0}
    english = chat_at(campaign, point)
    assert english.send("REPEAT") != welsh


def test_switching_shows_the_same_question_in_the_new_language(campaign):
    chat = chat_at(campaign, "travel_mode")
    assert chat.send("in Polish please") == [
        "Jak zwykle docierasz do lekarza?\n1 Autobus\n2 Pieszo\n3 Samochód"]
    chat.send("pieszo")
    assert chat.state.answers["travel_mode"] == "walk"
    assert chat.last.answers[0].language == "pl"


def test_a_language_the_campaign_lacks_is_explained(campaign):
    chat = chat_at(campaign, "travel_mode")
    messages = chat.send("Română")
    assert messages == ["Sorry, this is only in: English, Cymraeg, Polski.\n"
                        "How do you usually get to your GP?\n1 Bus\n2 Walk\n3 Car"]
    assert chat.state.language == "en" and chat.events == []


def test_change_language_intent_with_and_without_a_name(campaign):
    chat = chat_at(campaign, "fare_cost")
    chat.send("can we do this in polish instead", intent="change_language", confidence=0.9)
    assert chat.state.language == "pl" and chat.events == [Event.LANGUAGE_CHANGED]
    chat = chat_at(campaign, "fare_cost")
    assert chat.send("other language", intent="change_language", confidence=0.9) == [
        "Which language? Reply with its name: English, Cymraeg, Polski"]
    chat.send("Polski")
    assert chat.state.language == "pl" and chat.step == "fare_cost"


def test_change_language_in_a_single_language_campaign(english_only):
    chat = Chat(english_only)
    messages = chat.send("another language", intent="change_language", confidence=0.9)
    assert messages[0].startswith("Sorry, this is only in: English.")


def test_an_option_that_is_a_language_name_is_an_answer(campaign):
    data = campaign.to_dict()
    data["steps"][1]["options"][0]["text"]["en"] = "Welsh"
    variant = type(campaign).from_dict(data)
    chat = chat_at(variant, "travel_mode")
    chat.send("Welsh")
    assert chat.state.answers["travel_mode"] == "bus" and chat.state.language == "en"


LONG_WELSH = "Byddai bysiau amlach yn y bore yn help mawr i mi a fy nheulu"


def test_free_text_in_another_language_switches_when_never_chosen(campaign):
    # The resident skipped the menu, so they never chose: their words decide.
    chat = Chat(campaign)
    chat.send("skip")
    for reply in ("yes", "ok", "2", "skip", "skip"):
        chat.send(reply)
    assert chat.step == "ideas" and not chat.state.language_chosen
    chat.send(LONG_WELSH)
    assert chat.state.language == "cy" and chat.events == [Event.LANGUAGE_CHANGED]
    assert chat.last.answers[0].language == "cy"
    assert chat.text.startswith("Dyma sut mae pobl eraill yn cyrraedd.")


def test_free_text_never_overrides_an_explicit_choice(campaign):
    chat = chat_at(campaign, "ideas", language="1")
    chat.send(LONG_WELSH)
    assert chat.state.language == "en" and Event.LANGUAGE_CHANGED not in chat.events


def test_short_replies_never_change_the_language(campaign):
    chat = Chat(campaign)
    chat.send("skip")
    for reply in ("yes", "ok", "2"):
        chat.send(reply)
    chat.send("Evet")  # langdetect would call this Turkish; "yes" would be too
    assert chat.state.language == "en"


@pytest.mark.parametrize(
    ("menu", "yes", "no"),
    [("1", "yes", "no"), ("2", "ie", "na"), ("2", "iawn", "nac ydw"), ("3", "tak", "nie"),
     ("4", "نعم", "لا"), ("5", "da", "nu"), ("5", "DA", "NU"), ("3", "TAK", "NIE")],
)
def test_yes_and_no_in_every_language(five, menu, yes, no):
    chat = Chat(five)
    chat.send(menu)
    chat.send(yes)
    assert chat.events == [Event.CONSENT_GIVEN]
    chat = Chat(five)
    chat.send(menu)
    chat.send(no)
    assert chat.events == [Event.CONSENT_DECLINED]


@pytest.mark.parametrize("menu", ["1", "2", "3", "4", "5"])
def test_every_language_has_its_own_words_end_to_end(five, menu):
    chat = Chat(five)
    chat.send(menu)
    language = chat.state.language
    chat.send("yes" if language == "en" else {"cy": "ie", "pl": "tak", "ar": "نعم",
                                             "ro": "da"}[language])
    assert chat.text == five.step("travel").text[language] + "\n" + "\n".join(
        f"{n} {o.text[language]}" for n, o in enumerate(five.step("travel").options, start=1))
    chat.send(five.step("travel").options[1].text[language])
    assert chat.state.answers["travel"] == "walk"
    chat.send("🦄")
    assert chat.text == {"en": "Please reply in your own words.",
                         "cy": "Atebwch yn eich geiriau eich hun.",
                         "pl": "Odpisz własnymi słowami.", "ar": "أرسل إجابتك بكلماتك.",
                         "ro": "Răspundeți cu propriile cuvinte."}[language]
    chat.send("STOP")
    assert chat.phase is Phase.OPTED_OUT


def test_arabic_choice_by_arabic_digit_and_word(five):
    chat = Chat(five)
    chat.send("4")
    chat.send("نعم")
    chat.send("٢")
    assert chat.state.answers["travel"] == "walk"
    chat = Chat(five)
    chat.send("العربية")
    chat.send("نعم")
    chat.send("حافلة")
    assert chat.state.answers["travel"] == "bus"


def test_a_yes_at_the_menu_in_one_language_chooses_that_language(campaign):
    from bot.engine import Reply, handle

    for word, language in (("tak", "pl"), ("Iawn", "cy"), ("yes", "en"), ("👍", "en")):
        outcome = handle(campaign, start(campaign).state, Reply(word))
        assert outcome.state.phase is Phase.AWAITING_CONSENT, word
        assert outcome.state.language == language, word
        assert outcome.state.language_chosen is False
    # Romanian is not one of this campaign's languages: "da" goes on in the first language.
    assert handle(campaign, start(campaign).state, Reply("da")).state.language == "en"
