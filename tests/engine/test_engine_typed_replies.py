"""Replies as people really type them, in every shipped language (issue 12): opt-out in many
words (anywhere in a message, with or without accents, in Roman Urdu, Panjabi and Bengali),
deletion, "prefer not to say", casual yes and no, help and repeat; and ordinary answers that
mention stopping are never an opt-out. The language data is in languages/<code>/language.yml
(stop_phrases, delete_phrases, polite, commands, yes, no)."""

from __future__ import annotations

import pytest
from engine_helpers import Chat
from twelve_languages import TWELVE, twelve_language_campaign

from bot.engine import Event, Phase
from bot.engine.commands import is_opt_out, mentions_stop
from bot.engine.parsing import parse_yes_no
from bot.language import endonym


@pytest.fixture(scope="module")
def twelve():
    return twelve_language_campaign()


def at(campaign, where: str, code: str) -> Chat:
    """A resident who chose `code` by its name, at "consent", "travel" (a choice) or "ideas"
    (an open question)."""
    chat = Chat(campaign)
    chat.send(endonym(code))
    assert chat.phase is Phase.AWAITING_CONSENT and chat.state.language == code
    if where == "consent":
        return chat
    chat.send("yes")
    assert chat.step == "travel", chat.step
    if where == "ideas":
        chat.send("1")
        assert chat.step == "ideas"
    return chat


OPT_OUTS = {
    "en": ["please take me off your list", "Unsubscribe me thanks", "dont text me again",
           "STOP please", "stopp", "I want no more messages from you",
           "who gave you my number?? stop texting", "i never signed up for this"],
    "cy": ["tynnwch fi oddi ar y rhestr plis", "peidiwch a anfon dim byd eto", "stopio plis",
           "plis peidiwch a nghysylltu"],
    "pl": ["prosze usunac mnie z listy... wypiszcie mnie", "nie piszcie do mnie wiecej", "STOP prosze",
           "koniec z tymi smsami!"],
    "ar": ["لو سمحت وقفوا الرسائل", "ما بدي رسايل بعد اليوم", "الغاء الاشتراك من فضلك",
           "خلص لا تبعتو شي بعد اليوم"],
    "ro": ["nu-mi mai trimiteti nimic", "scoateti-ma de pe lista va rog", "dezabonare"],
    "ur": ["mujhe msg mat karo", "میسج بند کریں پلیز", "mera number list se nikal do",
           "mujhe message bhejna band karo"],
    "pa": ["ਮੈਨੂੰ ਮੈਸੇਜ ਨਾ ਭੇਜੋ", "msg band karo ji", "mainu msg na karo please"],
    "bn": ["আমাকে আর মেসেজ পাঠাবেন না", "ar message pathaben na", "বন্ধ করুন প্লিজ"],
    "pt": ["por favor me tirem da lista", "nao quero mais mensagens", "parem de enviar isto",
           "nao quero ser contactada"],
    "es": ["por favor dejen de escribirme", "quiero darme de baja", "sáquenme de la lista ya",
           "no quiero que me contacten"],
    "so": ["fadlan ha ii soo dirin fariimo", "iga saar liiska", "jooji fadlan"],
    "uk": ["будь ласка не пишіть мені більше", "відпишіть мене", "стоп будь ласка"],
}
# Ordinary answers that mention stopping, or use a stop word as part of something else.
NOT_OPT_OUTS = {
    "en": ["stop 3 is closer", "I stopped taking the bus", "the bus stop is too far",
           "they should stop the buses being late", "the end", "next stop please",
           "drivers should stop texting at the wheel", "leave the bus lane alone"],
    "cy": ["mae'r safle bws yn bell", "stopio wrth yr ysbyty", "stopiwch yrru ceir drwy'r dre"],
    "pl": ["przystanek jest za daleko", "koniec trasy jest daleko", "koniec z korkami"],
    "ar": ["موقف الباص بعيد", "الباص يوقف بعيد", "لا تبعتو باصات قديمة"],
    "ro": ["stația de autobuz e departe", "oprirea e prea departe"],
    "ur": ["بس اسٹاپ دور ہے", "bus stop door hai", "purani buses bhejna band karo",
           "sadak pe gaadiyan band karo"],
    "pa": ["ਬੱਸ ਸਟਾਪ ਦੂਰ ਹੈ", "sadak te trucks band karo"],
    "bn": ["বাস স্টপ অনেক দূরে"],
    "pt": ["a paragem fica longe", "para o trabalho vou de carro", "nao quero receber multas"],
    "es": ["la parada está lejos", "para ir al trabajo uso el coche",
           "no quiero que me manden a otra parada"],
    "so": ["boosteejada baska way fog tahay"],
    "uk": ["зупинка дуже далеко", "стоп-сигнал не працює"],
}
SKIPS = {
    "en": ["I'd rather not say", "prefer not to say", "skip this one please", "id rather not say tbh"],
    "cy": ["gwell gen i beidio dweud", "sgipio"],
    "pl": ["wolę nie mówić", "wolalabym nie odpowiadac"],
    "ar": ["أفضل عدم الإجابة", "تخطي"],
    "ro": ["prefer sa nu raspund", "sari peste"],
    "ur": ["nahi batana chahta", "میں نہیں بتانا چاہتا"],
    "pa": ["ਨਹੀਂ ਦੱਸਣਾ ਚਾਹੁੰਦਾ", "agla sawal"],
    "bn": ["বলতে চাই না", "bolte chai na"],
    "pt": ["prefiro nao dizer", "pula essa"],
    "es": ["prefiero no decirlo", "paso"],
    "so": ["ma rabo inaan sheego", "ka bood"],
    "uk": ["не хочу відповідати", "пропустити"],
}
YESES = {
    "en": ["ok sure", "go on then", "why not", "yeah fine", "no problem", "yesss"],
    "cy": ["iawn ta", "pam lai", "ie siwr"],
    "pl": ["no dobra", "czemu nie", "nie ma problemu", "jasne ze tak"],
    "ar": ["ليش لا", "تمام موافق", "ما في مشكلة"],
    "ro": ["de ce nu", "da sigur", "nicio problema"],
    "ur": ["kyun nahi", "haan theek hai", "کوئی مسئلہ نہیں"],
    "pa": ["ਕਿਉਂ ਨਹੀਂ", "haan ji", "theek aa"],
    "bn": ["কেন নয়", "thik ache", "হ্যাঁ ঠিক আছে"],
    "pt": ["por que nao", "tá bom", "bora"],
    "es": ["por qué no", "dale", "vale vale"],
    "so": ["dhib ma leh", "haa waan ogolahay"],
    "uk": ["чому б ні", "так звісно", "без проблем"],
}
NOS = {
    "en": ["nah thanks", "not interested", "no no"], "cy": ["dim diddordeb"], "pl": ["raczej nie"],
    "ar": ["مش مهتم"], "ro": ["nu sunt interesat"], "ur": ["nahi shukriya"], "pa": ["nahi ji"],
    "bn": ["না ধন্যবাদ"], "pt": ["nao obrigado"], "es": ["no me interesa"], "so": ["maya mahadsanid"],
    "uk": ["ні дякую"],
}
HELPS = {
    "en": ["im confused", "what does this mean"], "cy": ["be di hwn"], "pl": ["nie kumam"],
    "ar": ["مو فاهم"], "ro": ["nu inteleg"], "ur": ["samajh nahi aaya"], "pa": ["samajh nahi aaya"],
    "bn": ["বুঝতে পারছি না"], "pt": ["nao entendi"], "es": ["no entiendo"], "so": ["ma fahmin"],
    "uk": ["не розумію"],
}
REPEATS = {
    "en": ["what was the question"], "cy": ["be oedd y cwestiwn"], "pl": ["jakie bylo pytanie"],
    "ar": ["عيد السؤال"], "ro": ["care era intrebarea"], "ur": ["sawal kya tha"], "pa": ["sawal ki si"],
    "bn": ["প্রশ্নটা কি ছিল"], "pt": ["qual era a pergunta"], "es": ["cuál era la pregunta"],
    "so": ["su'aashu maxay ahayd"], "uk": ["яке було питання"],
}


def cases(table):
    return [(code, text) for code in TWELVE for text in table[code]]


def test_every_language_has_cases():
    for table in (OPT_OUTS, NOT_OPT_OUTS, SKIPS, YESES, NOS, HELPS, REPEATS):
        assert set(table) == set(TWELVE)


@pytest.mark.parametrize(("code", "text"), cases(OPT_OUTS))
@pytest.mark.parametrize("where", ["consent", "travel", "ideas"])
def test_opt_out_in_their_words_anywhere(twelve, code, text, where):
    chat = at(twelve, where, code)
    chat.send(text)
    assert chat.phase is Phase.OPTED_OUT and Event.OPTED_OUT in chat.events


@pytest.mark.parametrize(("code", "text"), cases(NOT_OPT_OUTS))
@pytest.mark.parametrize("where", ["travel", "ideas"])
def test_an_answer_about_stopping_is_not_an_opt_out(twelve, code, text, where):
    assert not is_opt_out(text)
    chat = at(twelve, where, code)
    chat.send(text)
    assert chat.phase is not Phase.OPTED_OUT


@pytest.mark.parametrize(("code", "text"), [(code, text) for code, text in cases(NOT_OPT_OUTS)
                                             if mentions_stop(text)])
def test_the_models_stop_is_not_trusted_for_a_stop_word_in_an_answer(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text, intent="stop", confidence=0.95)
    assert chat.phase is not Phase.OPTED_OUT


def test_the_models_stop_still_counts_for_its_own_words(twelve):
    chat = at(twelve, "travel", "en")
    chat.send("had enough of this", intent="stop", confidence=0.95)
    assert chat.phase is Phase.OPTED_OUT


@pytest.mark.parametrize(("code", "text"), cases(SKIPS))
def test_prefer_not_to_say_skips(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.answers[-1].skipped and chat.answers[-1].step_id == "travel"


@pytest.mark.parametrize(("code", "text"), cases(SKIPS)[:1] + [("en", "I'd rather not say")])
def test_prefer_not_to_say_skips_an_open_question_too(twelve, code, text):
    chat = at(twelve, "ideas", code)
    chat.send(text)
    assert chat.answers[-1].skipped


@pytest.mark.parametrize(("code", "text"), cases(YESES))
def test_casual_yes_is_consent(twelve, code, text):
    assert parse_yes_no(text) is True
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert Event.CONSENT_GIVEN in chat.events


@pytest.mark.parametrize(("code", "text"), cases(NOS))
def test_casual_no_declines(twelve, code, text):
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert Event.CONSENT_DECLINED in chat.events


@pytest.mark.parametrize(("code", "text"), [("ur", "rehne do"), ("pt", "deixa pra la"),
                                             ("bn", "থাক")])
def test_let_it_be_skips_a_question_and_declines_taking_part(twelve, code, text):
    """Listed as a skip word and as a no word: at the consent question there is nothing to
    skip, so it is a no."""
    chat = at(twelve, "consent", code)
    chat.send(text)
    assert Event.CONSENT_DECLINED in chat.events
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.answers[-1].skipped


@pytest.mark.parametrize(("code", "text"), cases(HELPS))
def test_i_dont_understand_is_help(twelve, code, text):
    chat = at(twelve, "travel", code)
    chat.send(text)
    assert chat.step == "travel" and len(chat.last.messages) == 2  # help, then the question


@pytest.mark.parametrize(("code", "text"), cases(REPEATS))
def test_what_was_the_question_repeats_it(twelve, code, text):
    chat = at(twelve, "travel", code)
    before = chat.state.to_dict()
    chat.send(text)
    assert chat.state.to_dict() == before and len(chat.last.messages) == 1


@pytest.mark.parametrize("text", ["stop texting me and delete my data",
                                  "unsubscribe and delete my number"])
def test_stop_and_delete_together_do_both(twelve, text):
    chat = at(twelve, "travel", "en")
    chat.send(text)
    assert Event.OPTED_OUT in chat.events and Event.ERASE_REQUESTED in chat.events
    assert chat.state.answers == {}


@pytest.mark.parametrize("text", ["mixed yes no", "yes no", "ok no", "no ok"])
def test_yes_and_no_together_is_neither(text):
    assert parse_yes_no(text) is None


def test_a_longer_open_answer_opts_out_by_the_model_only_when_it_is_very_sure(twelve):
    chat = at(twelve, "ideas", "en")
    chat.send("i have had more than enough of this", intent="stop", confidence=0.95)
    assert chat.phase is Phase.OPTED_OUT
    chat = at(twelve, "ideas", "en")
    chat.send("i have had more than enough of this", intent="stop", confidence=0.85)
    assert chat.phase is not Phase.OPTED_OUT and chat.answers[-1].step_id == "ideas"
    chat = at(twelve, "ideas", "en")
    chat.send("the bus stop by the school is dirty", intent="stop", confidence=0.99)
    assert chat.phase is not Phase.OPTED_OUT


@pytest.mark.parametrize("text", ["chega, parem", "basta stop", "jooji, stop!"])
def test_stop_words_and_nothing_else_opt_out(text):
    assert is_opt_out(text)


@pytest.mark.parametrize(("code", "text"), [("cy", "dwi di cael digon, stopiwch"),
                                             ("en", "i never asked for this, stop")])
def test_the_models_stop_counts_for_a_stop_word_closing_the_message(twelve, code, text):
    """A stop word as the last clause by itself is not a word of something else."""
    assert mentions_stop(text)
    chat = at(twelve, "consent", code)
    chat.send(text, intent="stop", confidence=0.95)
    assert chat.phase is Phase.OPTED_OUT


@pytest.mark.parametrize(("where", "text"), [("travel", "the bus, stop"),
                                              ("ideas", "always late, досить")])
def test_a_closing_stop_word_is_still_an_answer_where_it_can_be_one(twelve, where, text):
    chat = at(twelve, where, "en")
    chat.send(text, intent="stop", confidence=0.95)
    assert chat.phase is not Phase.OPTED_OUT
