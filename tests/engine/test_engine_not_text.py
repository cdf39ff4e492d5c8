"""Messages that are not text (a photo, a voice note, an edit, an empty or too long message):
a kind word in the resident's language and the question again; nothing changes, nothing is
recorded. After STOP, still silence."""

from __future__ import annotations

import pytest
from engine_helpers import Chat, chat_at

from bot.engine import REPLY_KINDS, Event, Phase, phrase

MEDIA = ["photo", "voice", "audio", "video", "document", "sticker", "location", "contact"]
POINTS = ["menu", "consent", "intro", "travel_mode", "travel_mode.why", "fare_cost",
          "priorities", "ideas", "others_mode", "travel_mode_again"]
SAID = {
    "photo": "Sorry, I can only read text messages. Please type your answer.",
    "edited": "I can't read edited messages. Please send your answer again as a new message.",
    "too_long": "That message is too long for me. Please send a shorter answer.",
    "empty": "That message was empty. Please type your answer.",
    "invalid": "Sorry, I could not read that message. Please type your answer again.",
}


def at(campaign, point: str, language: str = "1") -> Chat:
    if point == "declined":
        chat = chat_at(campaign, "consent", language)
        chat.send("no")
        return chat
    if point in ("erased", "opted_out"):
        chat = chat_at(campaign, "travel_mode", language)
        chat.send("DELETE" if point == "erased" else "STOP")
        return chat
    return chat_at(campaign, point, language)


def prompt_now(campaign, point: str, language: str = "1") -> tuple[str, list[str] | None]:
    """The question at a point (REPEAT, in a fresh chat) and its buttons."""
    chat = at(campaign, point, language)
    chat.send("REPEAT")
    return chat.text, chat.buttons


def test_the_kinds():
    assert REPLY_KINDS == ("text", *MEDIA, "edited", "empty", "too_long", "invalid")


@pytest.mark.parametrize("kind", [*MEDIA, "gif", "edited", "empty", "too_long", "invalid"])
@pytest.mark.parametrize("point", POINTS)
def test_not_text_at_every_point_changes_nothing_and_asks_again(campaign, point, kind):
    chat = at(campaign, point)
    before = chat.state.to_dict()
    prompt, buttons = prompt_now(campaign, point)
    messages = chat.send("", kind=kind)
    said = SAID.get(kind, SAID["photo"])  # any kind we do not know is not text either
    assert messages == [f"{said}\n{prompt}"]
    assert chat.state.to_dict() == before
    assert chat.last.answers == [] and chat.events == [] and chat.buttons == buttons


@pytest.mark.parametrize("kind", ["photo", "edited", "too_long", "invalid"])
def test_the_text_of_a_message_that_is_not_text_is_not_read(campaign, kind):
    chat = at(campaign, "travel_mode")
    chat.send("1", kind=kind)  # a caption, the new words of an edit, the start of a long one
    assert chat.step == "travel_mode" and chat.phase is Phase.IN_STEP
    assert "travel_mode" not in chat.state.answers and chat.last.answers == []
    chat = at(campaign, "ideas")
    chat.send("More buses please", intent="stop", confidence=0.99, kind=kind)
    assert chat.step == "ideas" and chat.phase is Phase.IN_STEP and chat.last.answers == []
    chat = at(campaign, "consent")
    chat.send("yes", kind=kind)
    assert chat.phase is Phase.AWAITING_CONSENT and chat.events == []


@pytest.mark.parametrize("kind", ["photo", "edited"])
def test_a_stop_word_is_honoured_whatever_the_kind(campaign, kind):
    chat = at(campaign, "travel_mode")
    chat.send("STOP", kind=kind)
    assert chat.phase is Phase.OPTED_OUT and chat.events == [Event.OPTED_OUT]


def test_a_misunderstanding_count_is_kept(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("banana")
    chat.send("", kind="voice")
    assert chat.state.misunderstood == 1


@pytest.mark.parametrize(("language", "start"), [
    ("2", "Sori, dim ond negeseuon testun alla i eu darllen. Teipiwch eich ateb.\n"),
    ("3", "Przepraszam, czytam tylko wiadomości tekstowe. Napisz odpowiedź.\n"),
])
def test_in_the_residents_language(campaign, language, start):
    chat = at(campaign, "travel_mode", language)
    assert chat.send("", kind="photo")[0].startswith(start)


@pytest.mark.parametrize(("language", "kind", "key"), [
    ("4", "sticker", "only_text"), ("4", "edited", "edited_message"),
    ("5", "too_long", "too_long"), ("5", "empty", "empty_message"), ("4", "invalid", "unreadable"),
])
def test_in_arabic_and_romanian(five, language, kind, key):
    chat = Chat(five)
    chat.send(language)
    code = five.languages[int(language) - 1]
    message = chat.send("", kind=kind)[0]
    assert message.startswith(phrase(key, code) + "\n")
    assert chat.phase is Phase.AWAITING_CONSENT
    assert chat.buttons == [phrase("consent_yes", code), phrase("consent_no", code)]


def test_at_the_menu_in_the_first_language(five):
    chat = Chat(five)
    assert chat.send("", kind="voice")[0].startswith(SAID["photo"] + "\nChoose your language:")
    assert chat.buttons == ["1 English", "2 Cymraeg", "3 Polski", "4 العربية", "5 Română"]


@pytest.mark.parametrize("point", ["completed", "declined", "erased"])
def test_at_the_end_just_what_we_can_read_and_where_they_stand(campaign, point):
    prompt, _ = prompt_now(campaign, point)
    chat = at(campaign, point)
    before = chat.state.to_dict()
    assert chat.send("", kind="photo") == [f"Sorry, I can only read text messages.\n{prompt}"]
    assert chat.send("", kind="edited") == [f"Sorry, I can only read text messages.\n{prompt}"]
    assert chat.send("", kind="empty") == [prompt]
    assert chat.state.to_dict() == before and chat.buttons is None


@pytest.mark.parametrize("kind", [*MEDIA, "edited", "empty", "too_long", "invalid"])
def test_after_stop_silence(campaign, kind):
    chat = at(campaign, "opted_out")
    before = chat.state.to_dict()
    for text in ("", "hello", "START", "DELETE"):
        assert chat.send(text, kind=kind) == []
        assert chat.events == [] and chat.state.to_dict() == before and chat.buttons is None
