"""Commands at every phase, in the documented order: stop words, command words, answers,
the model's intent, loose answers, re-asks."""

from __future__ import annotations

import pytest
from engine_helpers import ROOT, Chat, chat_at

from bot.campaigns.loader import load_campaign
from bot.engine import Event, Phase, phrase
from bot.engine.commands import Command, is_erase, is_opt_out, is_resubscribe, keyword_command
from bot.text import sms_segments

POINTS = ["menu", "consent", "intro", "travel_mode", "travel_mode.why", "fare_cost",
          "priorities", "ideas", "others_mode", "travel_mode_again", "completed", "declined",
          "erased"]
IN_STEPS = ["intro", "travel_mode", "fare_cost", "priorities", "ideas", "others_mode",
            "travel_mode_again"]
STOPPED = "You will get no more messages from us. To delete your answers too, text DELETE."


def at(campaign, point: str) -> Chat:
    if point == "declined":
        chat = chat_at(campaign, "consent")
        chat.send("no")
        return chat
    if point == "erased":
        chat = chat_at(campaign, "travel_mode")
        chat.send("DELETE")
        return chat
    if point == "opted_out":
        chat = chat_at(campaign, "travel_mode")
        chat.send("STOP")
        return chat
    return chat_at(campaign, point)


def prompt_now(campaign, point: str) -> list[str]:
    """What REPEAT shows at a point (computed by a fresh chat, not the one under test)."""
    chat = at(campaign, point)
    return chat.send("REPEAT")


# -- stop --------------------------------------------------------------------------------

HELP_STOPPED = ("You have stopped our messages. To start again, text START. To delete your "
                "answers, text DELETE.")


@pytest.mark.parametrize("point", POINTS)
def test_stop_at_every_phase_confirms_once_then_only_help_is_answered(campaign, point):
    chat = at(campaign, point)
    consented = chat.state.consent_given
    assert chat.send("STOP") == [STOPPED]
    assert chat.events == [Event.OPTED_OUT] and chat.last.answers == []
    assert chat.phase is Phase.OPTED_OUT
    assert chat.state.status == "opted_out"
    assert chat.state.consent == ("withdrawn" if consented else "none")
    stopped = chat.state.to_dict()
    for later in ("hello", "1", "yes", "REPEAT", "Cymraeg", "STOP", "TESTALL", "SKIP", "MORE"):
        assert chat.send(later) == [] and chat.events == [] and chat.last.answers == []
        # the model's guess is never enough to write after STOP
        assert chat.send(later, intent="help", confidence=0.99) == []
    for word in ("HELP", "help", "what?"):
        assert chat.send(word) == [HELP_STOPPED]
        assert chat.events == [] and chat.last.answers == [] and chat.buttons is None
    assert chat.state.to_dict() == stopped


@pytest.mark.parametrize(("language", "word", "expected"), [
    ("2", "CYMORTH", "Rydych chi wedi stopio ein negeseuon. I ddechrau eto, tecstiwch DECHRAU. "
                     "I ddileu eich atebion, tecstiwch DILEU."),
    ("3", "pomoc", "Nie piszemy już. Wyślij WZNÓW, by wrócić, lub USUŃ, by usunąć dane."),
])
def test_help_after_stop_is_in_the_resident_s_language(campaign, language, word, expected):
    chat = chat_at(campaign, "consent", language=language)
    chat.send("STOP")
    assert chat.send(word) == [expected]
    assert chat.send("HELP") == [expected]  # whichever language the word is in


def test_help_after_stop_names_words_that_work(campaign, five):
    for language in ("1", "2", "3", "4", "5"):
        chat = Chat(five)
        chat.send(language)
        chat.send("STOP")
        [text] = chat.send("HELP")
        words = text.replace(".", " ").replace("،", " ").split()
        assert any(map(is_resubscribe, words)) and any(map(is_erase, words)), text


@pytest.mark.parametrize(
    "word",
    ["STOP", "stop", "Stop.", "Stop!!", "  stop  ", "STOP ALL", "stopall", "UNSUBSCRIBE", "Cancel",
     "END", "quit", "STOPIO", "dim mwy", "Dim Mwy!", "KONIEC", "Rezygnuję", "REZYGNUJE", "توقف",
     "إيقاف", "ايقاف", "OPRIRE", "dezabonare", "oprește", "Stop 🛑"],
)
def test_stop_words_in_every_language(campaign, word):
    assert is_opt_out(word) and keyword_command(word) is Command.STOP
    chat = at(campaign, "travel_mode")
    chat.send(word)
    assert chat.phase is Phase.OPTED_OUT


def test_stop_never_depends_on_the_model(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("STOP", intent="affirm", confidence=1.0)
    assert chat.phase is Phase.OPTED_OUT
    chat = at(campaign, "ideas")
    chat.send("stop", intent=None)
    assert chat.phase is Phase.OPTED_OUT and chat.answers[-1].step_id != "ideas"


@pytest.mark.parametrize("text", ["stop the buses", "stop 3 is closer", "STOPS", "non-stop",
                                  "I stopped taking the bus", "the end", "next stop please"])
def test_stop_must_be_the_whole_message(campaign, text):
    assert not is_opt_out(text)
    chat = at(campaign, "travel_mode")
    chat.send(text)
    assert chat.phase in (Phase.IN_STEP, Phase.AWAITING_WHY)  # asked again, or an answer


def test_the_models_stop_counts_when_confident(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("had enough of this", intent="stop", confidence=0.95)
    assert chat.phase is Phase.OPTED_OUT
    chat = at(campaign, "travel_mode")
    chat.send("had enough of this", intent="stop", confidence=0.5)
    assert chat.phase is Phase.IN_STEP and chat.step == "travel_mode"


def test_in_a_free_text_step_a_long_message_is_an_answer_not_an_opt_out(campaign):
    chat = at(campaign, "ideas")
    chat.send("please stop the buses being late", intent="stop", confidence=0.97)
    assert chat.phase is Phase.IN_STEP and chat.step == "others_mode"
    assert chat.state.answers["ideas"] == "please stop the buses being late"
    chat = at(campaign, "ideas")
    chat.send("leave me alone", intent="stop", confidence=0.97)
    assert chat.phase is Phase.OPTED_OUT


def test_erasing_after_stopping_is_honoured_and_confirmed(campaign):
    chat = at(campaign, "opted_out")
    assert chat.send("DELETE") == [
        "Your answers are deleted. You will get no more messages from us."]
    assert chat.events == [Event.ERASE_REQUESTED]
    assert chat.phase is Phase.OPTED_OUT and chat.state.answers == {}
    assert chat.send("hello") == []
    chat = chat_at(campaign, "travel_mode", language="2")
    chat.send("STOP")
    assert chat.send("dileu") == ["Mae eich atebion wedi'u dileu. Fyddwch chi ddim yn cael mwy "
                                  "o negeseuon gennym ni."]
    chat = at(campaign, "opted_out")
    chat.send("get rid of everything about me", intent="erase", confidence=0.9)
    assert chat.events == [Event.ERASE_REQUESTED] and chat.last.messages


# -- help, repeat ------------------------------------------------------------------------

@pytest.mark.parametrize("point", [p for p in POINTS if p != "consent"])
def test_help_at_every_phase_explains_then_repeats(campaign, point):
    chat = at(campaign, point)
    before = chat.state.to_dict()
    messages = chat.send("HELP")
    assert messages[0] == ("This is Getting to appointments, from Test Council. Text STOP to "
                           "stop, SKIP to skip a question, REPEAT to see it again, DELETE to "
                           "delete your answers.")
    assert messages[1:] == prompt_now(campaign, point)
    assert chat.last.answers == [] and chat.events == []
    assert {**chat.state.to_dict(), "misunderstood": 0} == {**before, "misunderstood": 0}


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("word", ["REPEAT", "repeat", "again", "AILADRODD", "powtórz", "كرر",
                                  "repetă"])
def test_repeat_at_every_phase(campaign, point, word):
    chat = at(campaign, point)
    shown = list(chat.last.messages)
    repeated = chat.send(word)
    assert chat.last.answers == [] and chat.events == []
    if chat.state.status == "in_progress":
        assert repeated == shown  # exactly what they were last asked
    else:
        assert repeated == prompt_now(campaign, point)


@pytest.mark.parametrize("word", ["HELP", "what?", "What??", "eh?", "I don't understand",
                                  "beth?", "co?", "nie rozumiem", "ماذا؟", "ce?"])
def test_help_at_the_consent_question_is_one_short_message(campaign, word):
    chat = at(campaign, "consent")
    assert chat.send(word) == ["This is Getting to appointments, from Test Council. Reply YES "
                               "to take part, NO if not, or REPEAT to read it again."]
    assert chat.buttons == ["Yes", "No"] and chat.phase is Phase.AWAITING_CONSENT
    assert chat.send("yes") and chat.phase is Phase.IN_STEP


def test_help_at_the_consent_question_of_a_real_campaign_is_short():
    """Buses' consent is 3 SMS in English: HELP there was the help (2 SMS) and all of it
    again; now one message of at most 2 SMS (3 in the UCS-2 languages)."""
    buses = load_campaign(ROOT.parent / "campaigns" / "buses-2026.yml")
    for number, language in enumerate(buses.languages, start=1):
        chat = Chat(buses)
        chat.send(str(number))
        [text] = chat.send("HELP")
        limit = 2 if sms_segments(text).encoding == "GSM-7" else 3
        assert sms_segments(text).segments <= limit, (language, text)


@pytest.mark.parametrize(("point", "word"), [("travel_mode", "what?"), ("fare_cost", "Huh?"),
                                             ("ideas", "what"), ("menu", "co?")])
def test_what_is_a_request_for_help_not_a_misunderstanding(campaign, point, word):
    chat = at(campaign, point)
    messages = chat.send(word)
    assert messages[0].startswith("This is Getting to appointments, from Test Council.")
    assert chat.state.misunderstood == 0 and chat.last.answers == []


def test_help_in_welsh_and_arabic(campaign, five):
    chat = at(campaign, "consent")
    chat.send("Cymraeg")
    assert chat.send("HELP") == ["Cyrraedd apwyntiadau - Cyngor Prawf. Atebwch IE i gymryd "
                                 "rhan, NA i beidio, neu AILADRODD i'w ddarllen eto."]
    chat.send("ie")
    assert chat.send("HELP")[0].startswith("Cyrraedd apwyntiadau - Cyngor Prawf. Tecstiwch STOP")
    chat = Chat(five)
    chat.send("4")
    assert chat.send("مساعدة")[0].startswith("هذا الحافلات، من المجلس.")


def test_the_models_help_and_repeat(campaign):
    chat = at(campaign, "fare_cost")
    assert "Test Council" in chat.send("what is this?", intent="help", confidence=0.9)[0]
    assert chat.send("say that again", intent="repeat", confidence=0.9) == prompt_now(
        campaign, "fare_cost")


# -- skip --------------------------------------------------------------------------------

@pytest.mark.parametrize("point", ["travel_mode", "fare_cost", "priorities", "ideas",
                                   "others_mode", "travel_mode_again"])
def test_skip_records_a_skipped_answer_and_moves_on(campaign, point):
    chat = at(campaign, point)
    chat.send("SKIP")
    answer = chat.last.answers[0]
    assert (answer.step_id, answer.value, answer.skipped) == (point, None, True)
    assert chat.state.answers[point] is None
    assert chat.step != point
    assert chat.state.misunderstood == 0


@pytest.mark.parametrize("word", ["skip", "SKIP", "next", "hepgor", "NESAF", "pomiń", "pomin",
                                  "تخطي", "sari", "sări"])
def test_skip_words(campaign, word):
    chat = at(campaign, "priorities")
    chat.send(word)
    assert chat.state.answers == {**chat.state.answers, "priorities": None}
    assert chat.step == "ideas"


def test_skip_the_why(campaign):
    chat = at(campaign, "travel_mode.why")
    chat.send("skip")
    assert [(a.step_id, a.skipped) for a in chat.last.answers] == [("travel_mode.why", True)]


def test_skip_an_info_step_stores_nothing(campaign):
    chat = at(campaign, "intro")
    chat.send("skip")
    assert chat.last.answers == [] and chat.step == "travel_mode"


def test_skipping_consent_is_not_consent(campaign):
    chat = at(campaign, "consent")
    assert chat.send("SKIP") == [
        "We can only ask you questions if you say yes first. Reply YES to take part or NO if not."]
    assert chat.phase is Phase.AWAITING_CONSENT and chat.events == []
    assert chat.state.consent == "none" and chat.last.answers == []


def test_skipping_the_language_menu_keeps_the_default(campaign):
    chat = at(campaign, "menu")
    chat.send("skip")
    assert chat.phase is Phase.AWAITING_CONSENT and chat.state.language == "en"
    assert not chat.state.language_chosen
    assert chat.text.endswith("Reply YES to take part or NO if not.")


def test_the_models_skip(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("next question please", intent="skip", confidence=0.9)
    assert chat.state.answers["travel_mode"] is None


@pytest.mark.parametrize("point", ["completed", "declined", "erased"])
def test_skip_after_the_end_just_says_where_they_are(campaign, point):
    chat = at(campaign, point)
    assert chat.send("skip") == prompt_now(campaign, point)
    assert chat.last.answers == []


# -- more --------------------------------------------------------------------------------

def test_more_at_the_consent_repeats_the_consent(campaign):
    chat = at(campaign, "consent")
    assert chat.send("MORE") == prompt_now(campaign, "consent")


@pytest.mark.parametrize("point", ["travel_mode", "fare_cost", "others_mode", "completed"])
def test_more_elsewhere_repeats_the_prompt(campaign, point):
    chat = at(campaign, point)
    assert chat.send("more") == prompt_now(campaign, point)
    assert chat.last.answers == []


@pytest.mark.parametrize("word", ["more", "MORE", "mwy", "więcej", "wiecej", "المزيد",
                                  "mai mult", "detalii", "details"])
def test_more_words(campaign, word):
    chat = at(campaign, "intro")
    chat.send(word)
    assert chat.state.detail_shown and chat.step == "intro"


# -- erase -------------------------------------------------------------------------------

@pytest.mark.parametrize("point", POINTS)
def test_erase_at_every_phase(campaign, point):
    chat = at(campaign, point)
    messages = chat.send("DELETE")
    assert messages == ["Your answers are deleted. You will get no more messages from us.\n"
                        "To take part again, text TESTALL."]
    assert chat.events == [Event.ERASE_REQUESTED]
    assert chat.phase is Phase.ERASED and chat.state.answers == {} and chat.step is None
    assert chat.state.status == "opted_out"
    assert chat.last.answers == []


@pytest.mark.parametrize(
    "word",
    ["delete", "ERASE", "delete my data", "Delete my answers", "dileu", "DILEU FY NATA", "usuń",
     "usun moje dane", "احذف بياناتي", "حذف", "șterge", "sterge datele mele"],
)
def test_erase_words(campaign, word):
    assert is_erase(word)
    chat = at(campaign, "fare_cost")
    chat.send(word)
    assert chat.events == [Event.ERASE_REQUESTED]


def test_the_models_erase(campaign):
    chat = at(campaign, "fare_cost")
    chat.send("get rid of everything you have on me", intent="erase", confidence=0.85)
    assert chat.events == [Event.ERASE_REQUESTED]


# -- consent -----------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["yes", "YES", "Yes.", "y", "yeah", "yep", "ok", "OK", "👍",
                                  "ie", "iawn", "tak", "نعم", "da", "sure"])
def test_yes_words_give_consent(campaign, word):
    chat = at(campaign, "consent")
    chat.send(word)
    assert chat.events == [Event.CONSENT_GIVEN]
    assert chat.state.consent == "given" and chat.step == "intro"


@pytest.mark.parametrize("word", ["no", "NO", "n", "nope", "no thanks", "na", "nie", "لا", "nu",
                                  "👎"])
def test_no_words_decline(campaign, word):
    chat = at(campaign, "consent")
    messages = chat.send(word)
    assert chat.events == [Event.CONSENT_DECLINED] and chat.phase is Phase.DECLINED
    assert messages == ["Thank you. You will not get any questions from us. If you change your "
                        "mind, text TESTALL."]
    assert (chat.state.consent, chat.state.status) == ("declined", "declined")
    assert chat.send("hello") == ["You chose not to take part. To start again, text TESTALL."]


def test_the_models_affirm_and_deny_at_consent(campaign):
    chat = at(campaign, "consent")
    chat.send("i am up for that", intent="affirm", confidence=0.9)
    assert chat.events == [Event.CONSENT_GIVEN]
    chat = at(campaign, "consent")
    chat.send("maybe some other time", intent="deny", confidence=0.9)
    assert chat.events == [Event.CONSENT_DECLINED]
    chat = at(campaign, "consent")
    chat.send("i am up for that", intent="affirm", confidence=0.6)
    assert chat.events == [] and chat.phase is Phase.AWAITING_CONSENT


@pytest.mark.parametrize("reply", ["1", "bus", "Bus", "2", "hello", "It is far", "312", "5",
                                   "maybe", "what?", ""])
def test_no_answer_is_ever_produced_before_consent(campaign, reply):
    for point in ("menu", "consent"):
        chat = at(campaign, point)
        for intent in (None, "inform", "affirm"):
            chat.send(reply, intent=intent, confidence=0.5)
            assert chat.last.answers == []
            assert Event.CONSENT_GIVEN not in chat.events
        assert chat.state.answers == {}


def test_consent_reask_is_short_and_kind(campaign):
    chat = at(campaign, "consent")
    assert chat.send("maybe later") == [
        "Sorry, I did not get that. Reply YES to take part or NO if not."]
    assert chat.send("hmm") == [
        "Sorry, I did not get that. Reply YES to take part or NO if not.\nReply HELP for help."]


# -- answers beat the model; the model beats loose reading ------------------------------

def test_a_valid_answer_beats_the_model(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("2", intent="deny", confidence=0.99)
    assert chat.state.answers["travel_mode"] == "walk"
    chat = at(campaign, "fare_cost")
    chat.send("5", intent="skip", confidence=0.99)
    assert chat.state.answers["fare_cost"] == 5


def test_the_model_beats_a_loose_answer(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("skip the bus one", intent="skip", confidence=0.9)
    assert chat.state.answers["travel_mode"] is None


def test_greet_and_start_mid_way(campaign):
    chat = at(campaign, "fare_cost")
    assert chat.send("hiya", intent="greet", confidence=0.95) == prompt_now(campaign, "fare_cost")
    start_again = chat.send("let's begin", intent="start", confidence=0.95)
    assert start_again[0].startswith("You are already taking part.\nBus fares")


def test_unknown_or_inform_intents_fall_through_to_parsing(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("buss", intent="inform", confidence=0.99)
    assert chat.state.answers["travel_mode"] == "bus"
    chat = at(campaign, "travel_mode")
    chat.send("walkk", intent="nlu_fallback", confidence=0.99)
    assert chat.state.answers["travel_mode"] == "walk"


# -- re-asks -----------------------------------------------------------------------------

def test_reask_lists_the_choices_and_adds_a_hint_after_two(campaign):
    chat = at(campaign, "travel_mode")
    first = chat.send("purple")
    assert first == ["Sorry, I did not get that.\nPlease reply with a number:\n"
                     "1 Bus\n2 Walk\n3 Car"]
    second = chat.send("green")
    assert second == [first[0] + "\nReply HELP for help or SKIP to move on."]
    assert chat.state.misunderstood == 2
    chat.send("walk")
    assert chat.state.misunderstood == 0


@pytest.mark.parametrize(
    ("point", "expected"),
    [("menu", "Sorry, I did not get that.\nChoose your language:\n1 English\n2 Cymraeg\n3 Polski"),
     ("fare_cost", "Sorry, I did not get that.\nReply a number from 1 (Strongly disagree) to 5 "
                   "(Strongly agree)."),
     ("priorities", "Sorry, I did not get that.\nReply with the numbers in order, most important "
                    "first, like 312.\n1 Cost\n2 Time\n3 Safety"),
     ("others_mode", "Sorry, I did not get that.\nDoes this change your view?\n1 Yes\n2 No"),
     ("travel_mode_again", "Sorry, I did not get that.\nPlease reply with a number:\n1 Bus\n"
                           "2 Walk\n3 Car"),
     ("ideas", "Please reply in your own words."),
     ("travel_mode.why", "Please reply in your own words.")],
)
def test_reask_for_each_kind_of_question(campaign, point, expected):
    chat = at(campaign, point)
    assert chat.send("🦄") == [expected]
    assert chat.last.answers == [] and chat.events == []


def test_a_command_resets_the_misunderstanding_count(campaign):
    chat = at(campaign, "fare_cost")
    chat.send("x")
    chat.send("y")
    chat.send("REPEAT")
    assert chat.state.misunderstood == 0
    assert "HELP" not in chat.send("z")[0]


def test_intent_names_match_the_commands():
    assert {c.value for c in Command} == {"stop", "help", "repeat", "skip", "more", "erase"}
    assert phrase("opted_out", "en") == STOPPED
