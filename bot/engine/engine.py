"""The conversation state machine: (campaign, state, reply) -> new state, messages, answers.

Pure and synchronous: no I/O, no clock, no Rasa. Every reply is read in the same order:
  1. stop words (exact match, any language)     4. the model's intent, when confident
  2. other command words (exact match)          5. looser answer reading (fuzzy)
  3. a clear answer to the current question     6. a short re-ask that lists the choices
Free-text questions skip step 3, and only trust the model for short messages, so
"please stop the buses being late" is an answer, not an opt-out. A tapped button's label
("1 Bus") is read as what it stands for ("1") before all of this.

Only text is read: a photo, voice note, edited message... gets a kind word and the question
again, and changes nothing (an exact stop word in it is still honoured). After STOP only three
things are answered, in the resident's language: HELP (how to start again or delete), a
deletion request (done, and confirmed) and a re-subscribe word (START), which starts afresh.

Another live campaign's keyword part-way through (keyword_elsewhere) is asked about once
("PARKS is a different survey. 1 Start PARKS 2 Carry on with this one"), unless it answers
the question they are on; the offer waits in the state until their next message.
"""

from __future__ import annotations

from typing import Any

from bot.campaigns.model import Campaign, Step
from bot.engine import prompts, vocabulary
from bot.engine.answers import read_answer
from bot.engine.buttons import buttons_for, tapped
from bot.engine.commands import (
    INTENT_COMMANDS,
    Command,
    asks_erase,
    is_command_word,
    is_erase,
    is_help,
    is_opt_out,
    is_resubscribe,
    keyword_command,
    mentions_stop,
    stop_word_closes,
    uses_opt_out_words,
)
from bot.engine.flow import answer_type, next_step
from bot.engine.outcome import NO_CONTEXT, Answer, Context, Event, Outcome, Reply
from bot.engine.parsing import (
    MAX_TEXT,
    is_yes_no_word,
    parse_free_text,
    parse_number,
    parse_yes_no,
)
from bot.engine.phrases import phrase
from bot.engine.state import ASKS_BEFORE_SWITCHING, IN_PROGRESS, ParticipantState, Phase
from bot.language import (
    detect_language,
    endonym,
    find_language_name,
    match_language_name,
    requested_language,
)
from bot.text import clean_reply, fold, normalise_for_sms

_YES_LANGUAGE = {fold(word): code for word, code in vocabulary.YES_LANGUAGE.items()}

MIN_CONFIDENCE = 0.8
MAX_WORDS_FOR_INTENT_IN_FREE_TEXT = 4
# A longer open answer is an opt-out by the model alone only when it is very sure and no stop
# word in it is part of something else ("the bus stop by the school is never cleaned").
MAX_WORDS_FOR_STOP_IN_FREE_TEXT = 8
STOP_CONFIDENCE_IN_LONG_FREE_TEXT = 0.9
STUCK_AFTER = 2
TERMINAL = (Phase.COMPLETED, Phase.DECLINED, Phase.ERASED)
# In an open question only these intents can beat the words: "more buses on Sunday" is an
# answer, not a request for MORE, and "hello, the bus is late" is not a greeting.
FREE_TEXT_INTENTS = ("stop", "help", "repeat", "skip", "erase", "change_language")
# What to say before the question again, for each kind of message that is not text.
NOT_TEXT_PHRASES = {"edited": "edited_message", "too_long": "too_long", "empty": "empty_message",
                    "invalid": "unreadable"}


def start(campaign: Campaign, language: str | None = None, *, invited: bool = False) -> Outcome:
    """The resident texted the keyword: the language menu, or the consent message.

    With a `language` the campaign has (the one a resident gave when they agreed to be
    contacted), the menu is skipped and consent is asked in it. `invited`: the bot writes
    first, so one message also says who is asking and about what, unless the consent text
    already names the organisation (see prompts.invitation_intro)."""
    known = language if language in campaign.languages else None
    several = len(campaign.languages) > 1 and known is None
    state = ParticipantState(
        phase=Phase.CHOOSING_LANGUAGE if several else Phase.AWAITING_CONSENT,
        language=known or campaign.default_language,
        language_chosen=known is not None,
    )
    turn = _Turn(campaign, state, NO_CONTEXT)
    intro = prompts.invitation_intro(campaign, state.language, menu=several) if invited else None
    turn.say(intro, turn.current_prompt())
    return turn.outcome()


def remind(campaign: Campaign, state: ParticipantState,
           context: Context = NO_CONTEXT) -> Outcome:
    """The one reminder to someone who agreed but has not finished: a short hello and the
    question they were on, changing nothing else. No message at all for anyone not part-way.
    An unanswered "PARKS is a different survey" is let go: the reminder is for this one."""
    turn = _Turn(campaign, state.copy(), context)
    turn.state.switch_offered = None
    if turn.state.phase in (Phase.IN_STEP, Phase.AWAITING_WHY):
        turn.say(turn.phrase("reminder"), turn.current_prompt())
    return turn.outcome()


def resume(campaign: Campaign, state: ParticipantState, context: Context = NO_CONTEXT) -> Outcome:
    """They texted this campaign's keyword again: where they were, or a fresh start if they
    had declined, opted out or erased (texting the keyword is asking to take part)."""
    if state.phase in (Phase.DECLINED, Phase.OPTED_OUT, Phase.ERASED):
        return start(campaign)
    turn = _Turn(campaign, state.copy(), context)
    turn.state.misunderstood = 0
    turn.state.switch_offered = None  # this campaign's own keyword: carry on with it
    if turn.state.phase is Phase.COMPLETED:
        turn.say(turn.current_prompt())
    else:
        turn.say(turn.phrase("already"), turn.current_prompt())
    return turn.outcome()


def asking(campaign: Campaign, state: ParticipantState,
           context: Context = NO_CONTEXT) -> Outcome:
    """What a resident in `state` is being asked, exactly as REPEAT sends it (the same
    message, the same buttons), changing nothing: the console's preview shows every message
    of a campaign this way, so it is the engine's own text, not a copy of its rules."""
    turn = _Turn(campaign, state.copy(), context)
    turn.say(turn.current_prompt())
    return turn.outcome()


def handle(campaign: Campaign, state: ParticipantState, reply: Reply,
           context: Context = NO_CONTEXT) -> Outcome:
    """Every message after the keyword. Never raises on anything a resident can send."""
    turn = _Turn(campaign, state.copy(), context)
    text = clean_reply(reply.text)
    is_text = reply.kind == "text"
    # START under "1 Start PARKS" is taking the option's word, not START after STOP.
    if is_text and is_resubscribe(text) and state.switch_offered is None:
        return resubscribe(campaign, state, context)
    if turn.state.phase is Phase.OPTED_OUT:
        # Nothing is answered any more but HELP (the exact words, never a model's guess) and
        # a request to delete their data, which is honoured and confirmed.
        if is_text and (is_erase(text) or _confident(reply, "erase")):
            turn.erase()
        elif is_text and is_help(text):
            turn.say(turn.phrase("help_stopped"))
        return turn.outcome()
    if not is_text:
        turn.not_text(reply.kind, text)
        return turn.outcome()
    turn.respond(text, reply)
    return turn.outcome()


def resubscribe(campaign: Campaign, state: ParticipantState,
                context: Context = NO_CONTEXT) -> Outcome:
    """START (or UNSTOP, DECHRAU...): after STOP, a fresh start that asks for consent again
    (nothing from before is carried over); otherwise the same as texting the keyword again."""
    if state.phase is not Phase.OPTED_OUT:
        return resume(campaign, state, context)
    outcome = start(campaign)
    outcome.events.insert(0, Event.RESUBSCRIBED)
    return outcome


def keyword_elsewhere(campaign: Campaign, state: ParticipantState, reply: Reply, keyword: str,
                      context: Context = NO_CONTEXT) -> Outcome:
    """Another live campaign's keyword (`keyword`, as they typed it: "PARKS"), sent while in
    this one. SWITCHED means the caller starts that campaign; this one's state is kept.

    Part-way through (after consent, before the end), an answer to the question they are on
    always wins: BUS at "which service?" is the answer Bus even when BUS starts another
    campaign. Anything else is asked about once, in their language (SWITCH_OFFERED, the offer
    kept in the state): 1, yes or the keyword again switches; 2, no or an answer to this
    campaign's question carries on. STOP, HELP and DELETE work as ever meanwhile.

    Before consent (the language menu, the consent question) it switches at once, as it does
    once they have finished: nothing given here would be lost, and a resident who texted one
    poster's keyword and then another's has only just arrived; a question about a survey they
    have not begun would be one more message in the way."""
    turn = _Turn(campaign, state.copy(), context)
    if turn.state.phase not in ASKS_BEFORE_SWITCHING:
        turn.events.append(Event.SWITCHED)
        return turn.outcome()
    text = clean_reply(reply.text)
    offered, turn.state.switch_offered = turn.state.switch_offered, None
    if offered is not None and fold(offered) == fold(keyword):
        turn.events.append(Event.SWITCHED)  # asked already: the keyword again is a yes
    elif turn.free_text_phase() or not turn.strict_answer(text):
        turn.offer_switch(keyword)
    return turn.outcome()


def _confident(reply: Reply, intent: str | None = None) -> bool:
    if reply.intent is None or reply.confidence < MIN_CONFIDENCE:
        return False
    return intent is None or reply.intent == intent


class _Turn:
    """One message's worth of work: the state being changed and everything produced."""

    def __init__(self, campaign: Campaign, state: ParticipantState, context: Context) -> None:
        self.campaign = campaign
        self.state = state
        self.context = context
        self.messages: list[str] = []
        self.answers: list[Answer] = []
        self.events: list[Event] = []
        self.tapped_label: str | None = None  # the button label the reply was, if it was one
        self.asked_other = False  # the last message asks something other than the prompt

    # -- output ----------------------------------------------------------------------------
    def outcome(self) -> Outcome:
        return Outcome(self.state, self.messages, self.answers, self.events, self.buttons())

    def buttons(self) -> list[str] | None:
        """Labels for the last message's question; None when nothing there can be tapped."""
        if not self.messages or self.asked_other:
            return None
        labels = [button.label for button in
                  buttons_for(self.campaign, self.state, self.context)]
        return labels or None

    def say(self, *parts: str | None) -> None:
        text = normalise_for_sms(prompts.lines(*parts))
        if text:
            self.messages.append(text)

    def phrase(self, key: str, **fields: Any) -> str:
        return phrase(key, self.state.language, **fields)

    @property
    def step(self) -> Step | None:
        if self.state.step_id is None:
            return None
        return self.campaign.step(self.state.step_id)

    def goes_on(self, step: Step) -> bool:
        """A step that is only read and passed: info, or a reflect step with nothing to show
        yet (too few answers), which asks no question about nothing."""
        return step.type == "info" or (step.type == "reflect" and
                                       not prompts.has_results(self.campaign, step, self.context))

    def current_prompt(self) -> str:
        """What the resident is being asked right now, in their language."""
        state, lang = self.state, self.state.language
        if state.switch_offered is not None and state.phase in ASKS_BEFORE_SWITCHING:
            return prompts.switch_question(state.switch_offered, lang)
        if state.phase is Phase.CHOOSING_LANGUAGE:
            return prompts.language_menu(self.campaign)
        if state.phase is Phase.AWAITING_CONSENT:
            return prompts.consent_message(self.campaign, lang)
        step = self.step
        if state.phase is Phase.AWAITING_WHY and step is not None:
            return prompts.why_message(step, lang)
        if state.phase is Phase.IN_STEP and step is not None:
            if step.type == "info" and state.detail_shown:
                return prompts.more_message(step, lang)
            return prompts.step_prompt(self.campaign, step, lang, self.context)
        if state.phase is Phase.AWAITING_FOLLOW_UP:
            return prompts.follow_up_question(lang)
        return prompts.status_message(self.campaign, state.phase, lang)

    # -- reading a reply -------------------------------------------------------------------
    def free_text_phase(self) -> bool:
        step = self.step
        if self.state.phase is Phase.AWAITING_WHY:
            return True
        return self.state.phase is Phase.IN_STEP and step is not None and step.type == "text"

    def not_text(self, kind: str, text: str) -> None:
        """A photo, voice note, sticker, edited or empty message...: say what we can read and
        ask again, changing nothing. Only an exact stop word (a caption, an edit) is acted on."""
        if is_opt_out(text):
            self.opt_out()
            return
        if self.state.phase in TERMINAL:
            # Nothing left to answer: no "please type your answer", just where they stand.
            lead = None if kind == "empty" else self.phrase("can_only_read_text")
        else:
            lead = self.phrase(NOT_TEXT_PHRASES.get(kind, "only_text"))
        self.say(lead, self.current_prompt())

    def respond(self, text: str, reply: Reply) -> None:
        typed = tapped(buttons_for(self.campaign, self.state, self.context), text)
        if typed is not None:
            self.tapped_label, text = text, typed
        command = keyword_command(text)
        if self.state.switch_offered is not None and self.switch_answer(text, reply, command):
            return
        if command is Command.STOP and asks_erase(text):
            self.opt_out()  # "stop texting me and delete my number": both
            self.erase()
        elif command is Command.SKIP and self.state.phase is Phase.IN_STEP \
                and not self.free_text_phase() and self.answer(text, loose=False):
            pass  # "prefer not to say" where the question offers exactly that: the answer wins
        elif command in (Command.SKIP, Command.MORE, Command.REPEAT, Command.HELP) and \
                self.state.phase is Phase.AWAITING_CONSENT and \
                (not is_command_word(text) or is_yes_no_word(text)) and self.strict_answer(text):
            pass  # "no i dont want to" (not SKIP), "na sori" (not "sori?"): a plain no; and
            # "rehne do", "deixa pra la" (let it be): a skip elsewhere, a no to taking part
        elif command is not None:
            self.command(command)
        elif self.free_text_phase():
            self.respond_free_text(text, reply)
        elif self.strict_answer(text):
            pass
        elif self.language_request(text):
            pass
        elif self.intent(reply, text):
            pass
        elif not self.loose_answer(text):
            self.misunderstood()

    # -- another campaign's keyword ---------------------------------------------------------
    def offer_switch(self, keyword: str) -> None:
        """Ask once whether to start the campaign of `keyword` or carry on with this one."""
        self.state.switch_offered = keyword
        self.state.misunderstood = 0
        self.events.append(Event.SWITCH_OFFERED)
        self.say(self.current_prompt())

    def switch_answer(self, text: str, reply: Reply, command: Command | None) -> bool:
        """The reply to "start the other survey, or carry on with this one?": 1, yes or its
        keyword again switches (SWITCHED); 2, no or SKIP carries on and asks this campaign's
        question again. STOP, DELETE, HELP and REPEAT are done as ever (HELP and REPEAT show
        the switch question again). Anything else drops the offer (it is asked once) and is
        read as a reply to this campaign's question: False, for the caller to go on."""
        if command in (Command.STOP, Command.ERASE, Command.HELP, Command.REPEAT):
            return False
        if command is None and _confident(reply) and \
                reply.intent in ("stop", "erase", "help", "repeat"):
            return False
        offered = self.state.switch_offered or ""
        self.state.switch_offered = None
        start_it, stay = (fold(option) for option in
                          prompts.switch_options(offered, self.state.language))
        decision: bool | None
        if command is Command.SKIP or fold(text) == stay:
            decision = False
        elif fold(text) in (fold(offered), start_it) or is_resubscribe(text):
            decision = True
        else:
            number = parse_number(text)
            decision = {1: True, 2: False}.get(number) if number is not None else \
                parse_yes_no(text)
        if decision is None and _confident(reply) and reply.intent in ("affirm", "deny"):
            decision = reply.intent == "affirm"
        if decision is None:
            return False
        self.state.misunderstood = 0
        if decision:
            self.events.append(Event.SWITCHED)
        else:
            self.say(self.current_prompt())
        return True

    def respond_free_text(self, text: str, reply: Reply) -> None:
        if self.language_request(text):
            return
        size = len(text.split())
        short = size <= MAX_WORDS_FOR_INTENT_IN_FREE_TEXT
        if short and reply.intent in FREE_TEXT_INTENTS and self.intent(reply, text):
            return
        if reply.intent == "stop" and size <= MAX_WORDS_FOR_STOP_IN_FREE_TEXT and \
                reply.confidence >= STOP_CONFIDENCE_IN_LONG_FREE_TEXT and \
                not mentions_stop(text) and uses_opt_out_words(text) and \
                self.intent(reply, text):
            return
        value = parse_free_text(text)
        if value is None:
            self.misunderstood()
        else:
            self.take_free_text(text, value)

    def strict_answer(self, text: str) -> bool:
        phase = self.state.phase
        if phase is Phase.CHOOSING_LANGUAGE:
            return self.choose_from_menu(text)
        if phase is Phase.AWAITING_CONSENT:
            decision = parse_yes_no(text)
            if decision is None:
                return False
            self.consent(decision)
            return True
        if phase is Phase.IN_STEP:
            return self.answer(text, loose=False)
        if phase is Phase.AWAITING_FOLLOW_UP:
            return self.follow_up_answer(text)
        return False

    def loose_answer(self, text: str) -> bool:
        phase = self.state.phase
        if phase is Phase.CHOOSING_LANGUAGE:
            named = find_language_name(text, self.campaign.languages)  # "I read Somali"
            if named is not None:
                self.switch_language(named, explicit=True)
                return True
            guess = detect_language(text, self.campaign.languages)
            if guess is None:
                return False
            self.switch_language(guess, explicit=False)
            return True
        if phase is Phase.IN_STEP:
            return self.answer(text, loose=True)
        if phase in TERMINAL:
            self.say(self.current_prompt())
            return True
        return False

    def intent(self, reply: Reply, text: str) -> bool:
        """Act on a confident meta-intent from the model; False if it does not apply here."""
        if not _confident(reply):
            return False
        name = reply.intent or ""
        if name == "stop" and (self.names_an_answer(text) or mentions_stop(text) and not (
                stop_word_closes(text) and not self.free_text_phase())):
            return False  # "bus stop closer", "the one that stops by the hospital": answers
        if name == "greet" and self.names_an_answer(text):
            return False  # "paidal hi", "hi, the bus": the answer, read loosely next
        if name in INTENT_COMMANDS:
            self.command(INTENT_COMMANDS[name])
        elif name == "change_language":
            self.change_language(text)
        elif name == "start" and self.state.phase in IN_PROGRESS:
            self.say(self.phrase("already"), self.current_prompt())
        elif name in ("greet", "start"):
            self.say(self.current_prompt())
        elif name in ("affirm", "deny"):
            return self.yes_no(name == "affirm")
        else:
            return False
        return True

    def names_an_answer(self, text: str) -> bool:
        """The reply, read loosely, answers the current choice, scale or rank question. Only
        the model's guess of STOP gives way to it: stop words and phrases never do."""
        step = self.step
        if self.state.phase is not Phase.IN_STEP or step is None or self.goes_on(step):
            return False
        return read_answer(self.campaign, step, text, self.state.language, True) is not None

    def yes_no(self, yes: bool) -> bool:
        """A yes or no from the model: consent, a reflect answer, "go on" after info, or
        (yes at the language menu) the default language."""
        step = self.step
        if self.state.phase is Phase.CHOOSING_LANGUAGE and yes:
            self.go_on_after_yes("")
        elif self.state.phase is Phase.AWAITING_CONSENT:
            self.consent(yes)
        elif self.state.phase is Phase.AWAITING_FOLLOW_UP:
            self.follow_up(yes)
        elif self.state.phase is Phase.IN_STEP and step is not None and self.goes_on(step):
            self.advance()
        elif self.state.phase is Phase.IN_STEP and step is not None and \
                answer_type(self.campaign, step) == "reflect":
            self.record(step.id, "yes" if yes else "no", "yes" if yes else "no")
            self.advance()
        else:
            return False
        return True

    # -- languages -------------------------------------------------------------------------
    def choose_from_menu(self, text: str) -> bool:
        """A number the menu shows, or any of the campaign's languages by name (a long
        menu lists only some: the others are named in the resident's own words)."""
        numbered = prompts.menu_languages(self.campaign)
        number = parse_number(text)
        if number is not None and 1 <= number <= len(numbered):
            self.switch_language(numbered[number - 1], explicit=True)
            return True
        code = match_language_name(text, self.campaign.languages)
        if code is not None:
            self.switch_language(code, explicit=True)
            return True
        if parse_yes_no(text) is True:
            self.go_on_after_yes(text)
            return True
        return False

    def go_on_after_yes(self, text: str) -> None:
        """A yes at the menu: go on in the language of that yes ("tak" is Polish) when the
        campaign has it, else in its first language. Not an explicit choice, so their own
        words in a longer answer may still switch it later."""
        spoken = _YES_LANGUAGE.get(fold(text))
        language = spoken if spoken in self.campaign.languages else self.campaign.default_language
        self.switch_language(language, explicit=False)

    def language_request(self, text: str) -> bool:
        """"Cymraeg", "in Welsh please": switch, or say which languages there are."""
        code = requested_language(text)
        if code is None:
            return False
        if code not in self.campaign.languages:
            self.say(self.phrase("language_unavailable", names=self.language_names()),
                     self.current_prompt())
            return True
        self.switch_language(code, explicit=True)
        return True

    def change_language(self, text: str) -> None:
        code = find_language_name(text, self.campaign.languages)
        if code is not None:
            self.switch_language(code, explicit=True)
        elif len(self.campaign.languages) == 1:
            self.say(self.phrase("language_unavailable", names=self.language_names()),
                     self.current_prompt())
        else:
            self.say(self.phrase("which_language", names=self.language_names()))
            self.asked_other = True

    def language_names(self) -> str:
        return ", ".join(endonym(code) for code in self.campaign.languages)

    def switch_language(self, code: str, explicit: bool) -> None:
        state = self.state
        if code != state.language or (explicit and not state.language_chosen):
            self.events.append(Event.LANGUAGE_CHANGED)
        state.language = code
        state.language_chosen = state.language_chosen or explicit
        state.misunderstood = 0
        if state.phase is Phase.CHOOSING_LANGUAGE:
            state.phase = Phase.AWAITING_CONSENT
        self.say(self.current_prompt())

    # -- commands --------------------------------------------------------------------------
    def command(self, command: Command) -> None:
        if command is not Command.STOP:
            self.state.misunderstood = 0
        if command is Command.STOP:
            self.opt_out()
        elif command is Command.HELP:
            self.help()
        elif command is Command.REPEAT:
            self.say(self.current_prompt())
        elif command is Command.SKIP:
            self.skip()
        elif command is Command.MORE:
            self.more()
        elif command is Command.ERASE:
            self.erase()

    def help(self) -> None:
        """Who is asking and what can be sent, then the question again. At the consent
        question one short message says what to reply (the consent text is long: REPEAT
        shows it again)."""
        language = self.state.language
        names = {"title": self.campaign.title[language],
                 "organisation": self.campaign.organisation[language]}
        if self.state.phase is Phase.AWAITING_CONSENT:
            self.say(self.phrase("help_consent", **names))
            return
        self.say(self.phrase("help", **names))
        self.say(self.current_prompt())

    def opt_out(self) -> None:
        self.state.phase = Phase.OPTED_OUT
        self.state.misunderstood = 0
        self.state.switch_offered = None
        self.events.append(Event.OPTED_OUT)
        self.say(self.phrase("opted_out"))

    def erase(self) -> None:
        """Everything goes; the confirmation says so (and, unless they had said STOP, how to
        take part again)."""
        state = self.state
        state.answers = {}
        state.step_id = None
        state.detail_shown = False
        state.misunderstood = 0
        state.switch_offered = None
        self.events.append(Event.ERASE_REQUESTED)
        if state.phase is Phase.OPTED_OUT:
            self.say(self.phrase("erased"))
            return
        state.phase = Phase.ERASED
        self.say(self.current_prompt())

    def skip(self) -> None:
        phase, step = self.state.phase, self.step
        if phase is Phase.CHOOSING_LANGUAGE:
            self.state.phase = Phase.AWAITING_CONSENT
            self.say(self.current_prompt())
        elif phase is Phase.AWAITING_CONSENT:
            self.say(self.phrase("consent_needed"))
        elif phase is Phase.AWAITING_WHY and step is not None:
            self.record(f"{step.id}.why", "", None, skipped=True)
            self.advance()
        elif phase is Phase.IN_STEP and step is not None:
            if not self.goes_on(step):
                self.record(step.id, "", None, skipped=True)
            self.advance()
        elif phase is Phase.AWAITING_FOLLOW_UP:
            self.follow_up(False)  # skipping the question is a no
        else:
            self.say(self.current_prompt())

    def more(self) -> None:
        step = self.step
        if self.state.phase is Phase.IN_STEP and step is not None and step.type == "info":
            if step.more and not self.state.detail_shown:
                self.state.detail_shown = True
                self.say(prompts.more_message(step, self.state.language))
            else:
                self.advance()
        else:
            self.say(self.current_prompt())

    # -- consent and answers ---------------------------------------------------------------
    def consent(self, given: bool) -> None:
        self.state.misunderstood = 0
        if given:
            self.state.consent_given = True
            self.events.append(Event.CONSENT_GIVEN)
            self.advance()
        else:
            self.state.phase = Phase.DECLINED
            self.events.append(Event.CONSENT_DECLINED)
            self.say(self.phrase("declined",
                                 keyword=prompts.keyword(self.campaign, self.state.language)))

    def answer(self, text: str, loose: bool) -> bool:
        """Read a reply to the current (non-free-text) step; record it and move on."""
        step = self.step
        if step is None:
            return False
        if self.goes_on(step):
            if loose or parse_yes_no(text) is True:
                self.advance()
                return True
            return False
        value = read_answer(self.campaign, step, text, self.state.language, loose)
        if value is None:
            return False
        self.record(step.id, self.tapped_label or text, value)
        if step.type == "choice" and step.why:
            self.state.phase = Phase.AWAITING_WHY
            self.say(prompts.why_message(step, self.state.language))
        else:
            self.advance()
        return True

    def follow_up_answer(self, text: str) -> bool:
        """1 or yes, 2 or no, to "can we text you later about what happened?"."""
        number = parse_number(text)
        decision = {1: True, 2: False}.get(number) if number is not None else \
            parse_yes_no(text)
        if decision is None:
            return False
        self.follow_up(decision)
        return True

    def follow_up(self, yes: bool) -> None:
        self.state.phase = Phase.COMPLETED
        self.state.misunderstood = 0
        self.events.append(Event.FOLLOW_UP_YES if yes else Event.FOLLOW_UP_NO)
        self.say(self.phrase("follow_up_yes" if yes else "follow_up_no"))

    def take_free_text(self, text: str, value: str) -> None:
        step = self.step
        if step is None:
            return
        self.follow_their_words(value)
        step_id = f"{step.id}.why" if self.state.phase is Phase.AWAITING_WHY else step.id
        self.record(step_id, text, value)
        self.advance()

    def follow_their_words(self, value: str) -> None:
        """A long answer clearly in another of the campaign's languages: when they never
        chose one, it becomes theirs; when they chose from the menu, they are asked once, in
        that language, whether to go on in it (replying with its name switches)."""
        guess = detect_language(value, self.campaign.languages)
        state = self.state
        if guess is None or guess == state.language:
            return
        if not state.language_chosen:
            state.language = guess
            self.events.append(Event.LANGUAGE_CHANGED)
        elif not state.language_offered:
            state.language_offered = True
            self.say(phrase("continue_in_language", guess))

    def record(self, step_id: str, raw: str, value: Any, skipped: bool = False) -> None:
        self.state.answers[step_id] = value
        self.state.misunderstood = 0
        self.state.switch_offered = None  # an answer here is carrying on
        self.answers.append(Answer(step_id, raw[:MAX_TEXT], value, self.state.language, skipped))

    def advance(self) -> None:
        """On to the next step that applies. A reflect step with nothing to show yet is
        passed over: the resident is not asked about results there are none of."""
        state = self.state
        upcoming = next_step(self.campaign, state.step_id, state.answers)
        while upcoming is not None and upcoming.type == "reflect" and \
                not prompts.has_results(self.campaign, upcoming, self.context):
            upcoming = next_step(self.campaign, upcoming.id, state.answers)
        state.detail_shown = False
        state.misunderstood = 0
        if upcoming is None:
            state.phase = Phase.COMPLETED
            state.step_id = None
            self.events.append(Event.COMPLETED)
            self.say(self.campaign.thanks[state.language])
            if self.campaign.follow_up:  # one question of its own, in a message of its own
                state.phase = Phase.AWAITING_FOLLOW_UP
                self.say(prompts.follow_up_question(state.language))
        else:
            state.phase = Phase.IN_STEP
            state.step_id = upcoming.id
            self.say(prompts.step_prompt(self.campaign, upcoming, state.language, self.context))

    def misunderstood(self) -> None:
        state = self.state
        state.misunderstood += 1
        if state.phase is Phase.CHOOSING_LANGUAGE:
            message = prompts.lines(phrase("sorry", state.language),
                                    prompts.language_menu(self.campaign))
        elif state.phase is Phase.AWAITING_CONSENT:
            message = self.phrase("consent_reask")
        elif state.phase is Phase.AWAITING_FOLLOW_UP:
            message = prompts.lines(phrase("sorry", state.language), self.current_prompt())
        elif self.step is not None:
            message = prompts.reask(self.campaign, self.step, state.language)
            if state.phase is Phase.AWAITING_WHY:
                message = self.phrase("reply_words")
        else:
            message = self.current_prompt()
        hint = None
        if state.misunderstood >= STUCK_AFTER:
            before_consent = state.phase in (Phase.CHOOSING_LANGUAGE, Phase.AWAITING_CONSENT)
            hint = self.phrase("stuck_help" if before_consent else "stuck")
        self.say(message, hint)

