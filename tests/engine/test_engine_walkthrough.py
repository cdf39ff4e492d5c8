"""A whole conversation, step by step: what the resident sees and what is recorded."""

from __future__ import annotations

from engine_helpers import TALLIES, Chat, chat_at

from bot.engine import Answer, Event, Phase, resume, start
from bot.text import sms_segments


def test_start_shows_the_language_menu_with_endonyms(campaign):
    outcome = start(campaign)
    assert outcome.messages == ["Choose your language:\n1 English\n2 Cymraeg\n3 Polski"]
    assert outcome.state.phase is Phase.CHOOSING_LANGUAGE
    assert outcome.answers == [] and outcome.events == []
    assert sms_segments(outcome.messages[0]).segments == 1


def test_single_language_campaign_starts_with_consent(english_only):
    outcome = start(english_only)
    assert outcome.state.phase is Phase.AWAITING_CONSENT
    assert outcome.messages == [
        "Test Council asks how you get to appointments. Answers are anonymous and kept for "
        "1 year.\nReply YES to take part or NO if not."]


def test_the_whole_conversation_in_english(campaign):
    chat = Chat(campaign)
    chat.send("1")
    assert chat.text.endswith("Reply YES to take part or NO if not.")
    assert chat.events == [Event.LANGUAGE_CHANGED] and chat.phase is Phase.AWAITING_CONSENT

    chat.send("yes")
    assert chat.events == [Event.CONSENT_GIVEN]
    assert chat.text == ("Buses to the hospital run every hour.\n"
                         "Reply MORE for detail, or OK to go on.")
    chat.send("MORE")
    assert chat.text == "The council pays for two bus routes. A ticket costs £2.\nReply OK to go on."
    chat.send("ok")
    assert chat.text == "How do you usually get to your GP?\n1 Bus\n2 Walk\n3 Car"
    chat.send("1")
    assert chat.text == "Why is that? Tell us in your own words."
    assert chat.phase is Phase.AWAITING_WHY
    chat.send("It is the only way")
    assert chat.text == ("Bus fares stop me getting to appointments.\n"
                         "Reply a number from 1 (Strongly disagree) to 5 (Strongly agree).")
    chat.send("4")
    assert chat.text == ("Put these in order, most important first.\n1 Cost\n2 Time\n3 Safety\n"
                         "Reply with the numbers in order, most important first, like 312.")
    chat.send("312")
    assert chat.text == "What one change would help you most?"
    chat.send("Buses on Sunday")
    assert chat.text == ("Here is how others get there.\nSo far: Bus 45%, Walk 30%, Car 25%\n"
                         "Does this change your view?\n1 Yes\n2 No")
    chat.send("2")
    assert chat.text == ("Now we ask once more.\nHow do you usually get to your GP?\n"
                         "1 Bus\n2 Walk\n3 Car")
    chat.send("walk")
    assert chat.text == "Thank you. We will share what we learn in the spring."
    assert chat.events == [Event.COMPLETED] and chat.phase is Phase.COMPLETED

    assert chat.answers == [
        Answer("travel_mode", "1", "bus", "en"),
        Answer("travel_mode.why", "It is the only way", "It is the only way", "en"),
        Answer("fare_cost", "4", 4, "en"),
        Answer("priorities", "312", ["safety", "cost", "time"], "en"),
        Answer("ideas", "Buses on Sunday", "Buses on Sunday", "en"),
        Answer("others_mode", "2", "no", "en"),
        Answer("travel_mode_again", "walk", "walk", "en"),
    ]
    assert chat.state.answers == {a.step_id: a.value for a in chat.answers}
    assert (chat.state.consent, chat.state.status) == ("given", "completed")


def test_every_outgoing_english_message_fits_one_sms(campaign):
    chat = Chat(campaign)
    sent = list(chat.last.messages)
    for reply in ("1", "yes", "more", "ok", "1", "why not", "4", "312", "ideas", "1", "1"):
        sent += chat.send(reply)
    assert chat.phase is Phase.COMPLETED
    for message in sent:
        assert sms_segments(message).segments == 1, message


def test_the_whole_conversation_in_welsh(campaign):
    chat = Chat(campaign)
    chat.send("2")
    assert "Atebwch IE i gymryd rhan" in chat.text
    chat.send("ie")
    assert chat.text.startswith("Mae bysiau i'r ysbyty")
    chat.send("iawn")
    assert "1 Bws\n2 Cerdded\n3 Car" in chat.text
    chat.send("cerdded")
    assert chat.text.startswith("Pam hynny?")
    chat.send("HEPGOR")
    assert "Rhowch y rhain mewn trefn" in chat.text  # fare_cost is only for bus users
    chat.send("3,1,2")
    chat.send("Mwy o fysiau ar ddydd Sul os gwelwch yn dda")
    assert "Hyd yma: Bws 45%, Cerdded 30%, Car 25%" in chat.text
    assert "1 Ydy\n2 Nac ydy" in chat.text
    chat.send("nac ydy")
    chat.send("dau")
    assert chat.phase is Phase.COMPLETED and chat.text.startswith("Diolch.")
    values = {a.step_id: (a.value, a.language, a.skipped) for a in chat.answers}
    assert values == {
        "travel_mode": ("walk", "cy", False), "travel_mode.why": (None, "cy", True),
        "priorities": (["safety", "cost", "time"], "cy", False),
        "ideas": ("Mwy o fysiau ar ddydd Sul os gwelwch yn dda", "cy", False),
        "others_mode": ("no", "cy", False), "travel_mode_again": ("walk", "cy", False),
    }


def test_the_whole_conversation_in_polish_is_all_polish(campaign):
    chat = Chat(campaign)
    chat.send("Polski")
    assert "Odpisz TAK" in chat.text
    for reply in ("tak", "ok", "autobus", "Bo jest blisko", "pięć", "1 2 3", "Więcej kursów",
                  "tak", "samochód"):
        chat.send(reply)
        assert "Reply" not in chat.text, chat.text
    assert chat.phase is Phase.COMPLETED
    assert chat.state.answers["fare_cost"] == 5
    assert chat.state.answers["others_mode"] == "yes"
    assert chat.state.answers["travel_mode_again"] == "car"


def test_resume_midway_says_already_taking_part_and_repeats(campaign):
    chat = chat_at(campaign, "fare_cost")
    outcome = resume(campaign, chat.state)
    assert outcome.messages == [
        "You are already taking part.\nBus fares stop me getting to appointments.\n"
        "Reply a number from 1 (Strongly disagree) to 5 (Strongly agree)."]
    assert outcome.answers == [] and outcome.events == []
    assert outcome.state.to_dict() == chat.state.to_dict()


def test_resume_before_consent_and_after_completion(campaign):
    chat = chat_at(campaign, "consent", language="3")
    assert resume(campaign, chat.state).messages[0].startswith("Już bierzesz udział.\nUrząd")
    done = chat_at(campaign, "completed")
    assert resume(campaign, done.state).messages == ["You have finished. Thank you!"]


def test_resume_after_declining_stopping_or_erasing_starts_again(campaign):
    for final in ("no", "STOP", "DELETE"):
        chat = chat_at(campaign, "consent")
        chat.send(final)
        outcome = resume(campaign, chat.state)
        assert outcome.state.phase is Phase.CHOOSING_LANGUAGE
        assert outcome.messages == start(campaign).messages


def test_resume_passes_tallies_for_a_reflect_step(campaign):
    chat = chat_at(campaign, "others_mode")


    assert "Bus 45%" in resume(campaign, chat.state, TALLIES).messages[0]
    assert "Too few people" in resume(campaign, chat.state).messages[0]
