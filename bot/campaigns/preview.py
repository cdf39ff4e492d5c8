"""Every message of a campaign as a resident receives it, per language and per channel.

Nothing here writes a message or formats one for a channel. The words, options, "Reply ..."
lines and buttons come from the engine (`engine.start`, `engine.asking`, `engine.handle`: the
calls a real conversation makes, on a resident placed at each point of the campaign); each
channel's form comes from the senders' own rendering (bot.outbound.render: the SMS body, the
Telegram keyboard; bot.outbound.providers.content_variables: a WhatsApp template's question and
buttons) and the conversation's rule for when WhatsApp shows buttons. So the preview changes
whenever what residents receive changes. The console renders the `Preview`; `engage` could too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import ReplyKeyboardMarkup

from bot import engine
from bot.campaigns.model import Campaign, Condition, Step
from bot.campaigns.sms import SMS_CHANNEL, for_channel
from bot.conversation import WHATSAPP, invitation_template, whatsapp_template
from bot.engine import Context, Outcome, ParticipantState, Phase, Reply
from bot.language import LANGUAGES, endonym
from bot.outbound.providers import content_variables
from bot.outbound.render import render_telegram, render_text
from bot.reports.step_titles import title as step_title
from bot.text import sms_segments

CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}
STEP_WORDS = {"info": "information", "choice": "choice", "scale": "scale", "rank": "ranking",
              "text": "open answer", "reflect": "what others chose", "revisit": "asked again"}
SAMPLE_VOTES = 10  # a reflect step "with results" is shown as if this many chose each option
SKIP_WORD = "SKIP"  # a command in every language: the last step's skip reaches the thanks


@dataclass(frozen=True)
class Prices:
    sms_segment: float = 0.04
    whatsapp_message: float = 0.03
    currency: str = "GBP"


@dataclass(frozen=True)
class Sms:
    text: str
    encoding: str  # GSM-7 or UCS-2
    characters: int
    segments: int
    cost: float
    plain: bool = False  # sent without the letters that force UCS-2 (the campaign's sms_plain)


@dataclass(frozen=True)
class WhatsApp:
    text: str
    buttons: list[str]
    template: str | None  # the approved Content template (HX...), when one carries it
    kind: str | None  # quick-reply, list or invitation; None: plain text
    cost: float
    note: str = ""


@dataclass(frozen=True)
class Telegram:
    text: str
    keyboard: list[list[str]]  # one row per button, as the resident sees them
    removes_keyboard: bool  # no options: an earlier question's keyboard is taken away


@dataclass(frozen=True)
class Message:
    key: str  # unique within the language, for links ("step-3-more")
    title: str  # what it is, in staff words
    when: str  # when a resident gets it
    body: str  # the engine's text, before any channel's rendering
    buttons: list[str]
    sms: Sms
    whatsapp: WhatsApp
    telegram: Telegram
    language: str  # the language it is written in (the menu: the campaign's first)
    on_the_way: bool  # one resident who answers every question gets it

    @property
    def direction(self) -> str:
        return "rtl" if right_to_left(self.language) else "ltr"


def right_to_left(code: str) -> bool:
    """Written right to left, by the language's own data (languages/<code>/language.yml)."""
    language = LANGUAGES.get(code)
    return language is not None and language.rtl


@dataclass(frozen=True)
class LanguagePreview:
    code: str
    name: str
    rtl: bool
    messages: list[Message]
    prices: Prices
    # The language's own file (languages/<code>/language.yml) says a native speaker has
    # checked the bot's words in it (`reviewed: true`); `engage campaign check` says so too.
    reviewed: bool = True

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def journey(self) -> list[Message]:
        """The messages of one resident who texts the keyword and answers every question."""
        return [message for message in self.messages if message.on_the_way]

    def journey_cost(self, channel: str) -> tuple[int, float]:
        """(messages or SMS segments, cost) of that journey on a channel."""
        if channel == "sms":
            segments = sum(m.sms.segments for m in self.journey)
            return segments, segments * self.prices.sms_segment
        if channel == "whatsapp":
            return len(self.journey), len(self.journey) * self.prices.whatsapp_message
        return len(self.journey), 0.0


@dataclass(frozen=True)
class Preview:
    slug: str
    title: str
    languages: list[LanguagePreview]
    prices: Prices = field(default_factory=Prices)

    def language(self, code: str) -> LanguagePreview:
        return next((lp for lp in self.languages if lp.code == code), self.languages[0])


@dataclass
class _Builder:
    campaign: Campaign
    language: str
    prices: Prices
    messages: list[Message] = field(default_factory=list)

    def add(self, key: str, title: str, when: str, outcome: Outcome,
            state: ParticipantState | None = None, invitation: bool = False,
            written_in: str | None = None, on_the_way: bool = True) -> None:
        """One entry per message of the outcome; buttons belong to its last message, as the
        conversation sends them."""
        last = len(outcome.messages) - 1
        for number, body in enumerate(outcome.messages):
            buttons = list(outcome.buttons or []) if number == last else []
            entry_key = key if number == last else f"{key}-{number + 1}"
            whatsapp = self._whatsapp(body, buttons, outcome, state, invitation and number == 0)
            sms = self._sms(body, written_in or self.language)
            self.messages.append(Message(entry_key, title, when, body, buttons, sms,
                                         whatsapp, self._telegram(body, buttons),
                                         written_in or self.language, on_the_way))

    def _sms(self, body: str, language: str) -> Sms:
        """The SMS body exactly as sent: with the sender's plain spelling when the campaign
        turns sms_plain on for the language (the conversation's own for_channel)."""
        [sent] = for_channel(self.campaign, language, SMS_CHANNEL, [body])
        text = render_text(sent)
        count = sms_segments(text)
        return Sms(text, count.encoding, count.characters, count.segments,
                   count.segments * self.prices.sms_segment, plain=sent != body)

    def _telegram(self, body: str, buttons: list[str]) -> Telegram:
        rendered = render_telegram(body, buttons)
        markup = rendered.reply_markup
        if isinstance(markup, ReplyKeyboardMarkup):
            rows = [[button.text for button in row] for row in markup.keyboard]
            return Telegram(rendered.text, rows, False)
        return Telegram(rendered.text, [], True)

    def _whatsapp(self, body: str, buttons: list[str], outcome: Outcome,
                  state: ParticipantState | None, invitation: bool) -> WhatsApp:
        price = self.prices.whatsapp_message
        if invitation:  # the bot writes first: only an approved template may carry it
            sid = invitation_template(self.campaign, self.language)
            if sid is None:
                return WhatsApp("", [], None, None, 0.0, note=(
                    "Not sent on WhatsApp: the campaign has no approved WhatsApp invitation "
                    f"template for {endonym(self.language)}, and WhatsApp lets a business "
                    "write first only with one (invitation: whatsapp: content_sid)."))
            return WhatsApp(content_variables(body, None)["1"], [], sid, "invitation", price,
                            note="Sent as the approved invitation template, with this text "
                                 "as its one variable.")
        sid = None
        if state is not None and buttons:
            sid = whatsapp_template(self.campaign, state, WHATSAPP,
                                    Outcome(state, [body], buttons=buttons))
        if sid is None:
            note = ("No buttons on WhatsApp: the resident types the answer (a choice step "
                    "shows buttons with an approved template in its whatsapp: field)."
                    if buttons else "")
            return WhatsApp(render_text(body), [], None, None, price, note=note)
        variables = content_variables(body, buttons)
        step = self.campaign.step(state.step_id)
        asked = self.campaign.step(step.of) if step.type == "revisit" and step.of else step
        labels = [variables[str(number)] for number in range(2, len(variables) + 1)]
        return WhatsApp(variables["1"], labels, sid, asked.whatsapp.type, price)


def _state(language: str, phase: Phase, step: Step | None = None,
           **fields: Any) -> ParticipantState:
    return ParticipantState(phase=phase, language=language, language_chosen=True,
                            step_id=step.id if step else None, consent_given=phase in (
                                Phase.IN_STEP, Phase.AWAITING_WHY, Phase.COMPLETED), **fields)


def _condition_words(campaign: Campaign, condition: Condition) -> str:
    asked = campaign.step(condition.step)
    name = f'"{step_title(asked)}"'
    if condition.in_ is not None:
        options = {option.id: option.text[campaign.default_language] for option in asked.options}
        chosen = ", ".join(options.get(value, value) for value in condition.in_)
        return f"Asked only when the answer to {name} is one of: {chosen}."
    if condition.at_least is not None and condition.at_most is not None:
        return (f"Asked only when the answer to {name} is from {condition.at_least} "
                f"to {condition.at_most}.")
    if condition.at_least is not None:
        return f"Asked only when the answer to {name} is {condition.at_least} or more."
    return f"Asked only when the answer to {name} is {condition.at_most} or less."


def _with_results(campaign: Campaign, step: Step) -> Context:
    of = campaign.step(step.of or "")
    return Context(tallies={of.id: {option.id: SAMPLE_VOTES for option in of.options}})


def _steps(builder: _Builder) -> None:
    campaign, language = builder.campaign, builder.language
    for number, step in enumerate(campaign.steps, start=1):
        name = f"Question {number}: {step_title(step)} ({STEP_WORDS.get(step.type, step.type)})"
        if step.type == "info":
            name = f"Step {number}: {step_title(step)} (information)"
        when = _condition_words(campaign, step.when) if step.when else "In turn."
        state = _state(language, Phase.IN_STEP, step)
        key = f"step-{number}"
        if step.type == "reflect":
            shown = _with_results(campaign, step)
            builder.add(key, name, f"{when} When enough residents have answered "
                        f"\"{step_title(campaign.step(step.of))}\" (shown here as if "
                        f"{SAMPLE_VOTES} chose each option).",
                        engine.asking(campaign, state, shown), state)
            builder.add(f"{key}-few", f"{name}: too few answers yet",
                        "While too few residents have answered to show what they chose.",
                        engine.asking(campaign, state), state, on_the_way=False)
            continue
        builder.add(key, name, when, engine.asking(campaign, state), state)
        if step.type == "info" and step.more:
            detail = _state(language, Phase.IN_STEP, step, detail_shown=True)
            builder.add(f"{key}-more", f"{name}: more detail", "After they reply MORE.",
                        engine.asking(campaign, detail), detail, on_the_way=False)
        if step.type == "choice" and step.why:
            why = _state(language, Phase.AWAITING_WHY, step)
            builder.add(f"{key}-why", f"{name}: why?", "After they answer it.",
                        engine.asking(campaign, why), why)


def language_preview(campaign: Campaign, language: str, prices: Prices) -> LanguagePreview:
    builder = _Builder(campaign, language, prices)
    if len(campaign.languages) > 1:
        menu = engine.start(campaign)
        builder.add("menu", "Language menu",
                    f"First, when someone texts a keyword (in {endonym(campaign.default_language)}"
                    ", with each language in its own name; the same for every language).",
                    menu, menu.state, written_in=campaign.default_language)
    consent = _state(language, Phase.AWAITING_CONSENT)
    builder.add("consent", "Consent", "When they have chosen their language (or texted the "
                "keyword, with one language).", engine.asking(campaign, consent), consent)
    builder.add("invitation", "Invitation", "When the council writes first (a launch), to a "
                "contact whose language is known.",
                engine.start(campaign, language, invited=True), consent, invitation=True,
                on_the_way=False)
    no = engine.phrase("consent_no", language)
    builder.add("declined", "If they say no", f'When they reply "{no}" to the consent '
                "question. Nothing they said is kept.",
                engine.handle(campaign, consent, Reply(no)), on_the_way=False)
    _steps(builder)
    last = campaign.steps[-1]
    builder.add("thanks", "Thanks", "At the end, after the last question that applies to them.",
                engine.handle(campaign, _state(language, Phase.IN_STEP, last), Reply(SKIP_WORD)))
    known = LANGUAGES.get(language)
    return LanguagePreview(language, endonym(language), right_to_left(language),
                           builder.messages, prices,
                           reviewed=known is not None and known.reviewed)


def preview(campaign: Campaign, prices: Prices | None = None) -> Preview:
    """Every message of the campaign in each of its languages, on every channel."""
    prices = prices or Prices()
    return Preview(campaign.id, campaign.title.get(campaign.default_language, campaign.id),
                   [language_preview(campaign, code, prices) for code in campaign.languages],
                   prices)
