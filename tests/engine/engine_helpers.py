"""Helpers to hold a conversation with the engine, one message at a time (imported by tests)."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.model import Campaign
from bot.engine import Context, Outcome, ParticipantState, Reply, handle, start

ROOT = Path(__file__).resolve().parent.parent
ALL_STEPS = ROOT / "fixtures" / "campaign_all_steps.yml"

FIVE_LANGUAGES = """\
id: five-languages
title: {en: Buses, cy: Bysiau, pl: Autobusy, ar: الحافلات, ro: Autobuze}
organisation: {en: Test Council, cy: Cyngor Prawf, pl: Urząd, ar: المجلس, ro: Primăria}
languages: [en, cy, pl, ar, ro]
keywords: [FIVE]
retention_days: 30
consent:
  version: "1"
  text:
    en: "We ask about buses."
    cy: "Rydyn ni'n holi am fysiau."
    pl: "Pytamy o autobusy."
    ar: "نسأل عن الحافلات."
    ro: "Întrebăm despre autobuze."
thanks: {en: "Thanks.", cy: "Diolch.", pl: "Dziękujemy.", ar: "شكرا.", ro: "Mulțumim."}
steps:
  - id: travel
    type: choice
    text:
      en: "How do you travel?"
      cy: "Sut rydych chi'n teithio?"
      pl: "Jak podróżujesz?"
      ar: "كيف تسافر؟"
      ro: "Cum călătoriți?"
    options:
      - {id: bus, text: {en: Bus, cy: Bws, pl: Autobus, ar: حافلة, ro: Autobuz}}
      - {id: walk, text: {en: Walk, cy: Cerdded, pl: Pieszo, ar: مشيا, ro: Pe jos}}
  - id: ideas
    type: text
    text:
      en: "What would help?"
      cy: "Beth fyddai'n helpu?"
      pl: "Co by pomogło?"
      ar: "ما الذي سيساعد؟"
      ro: "Ce ar ajuta?"
"""

TALLIES = Context(tallies={"travel_mode": {"bus": 9, "walk": 6, "car": 5}})


class Chat:
    """A resident texting the engine; `last` is the latest outcome."""

    def __init__(self, campaign: Campaign, context: Context = TALLIES) -> None:
        self.campaign = campaign
        self.context = context
        self.last: Outcome = start(campaign)
        self.state: ParticipantState = self.last.state
        self.answers = list(self.last.answers)

    def send(self, text: str, intent: str | None = None, confidence: float = 0.0,
             kind: str = "text") -> list[str]:
        before = self.state.to_dict()
        self.last = handle(self.campaign, self.state, Reply(text, intent, confidence, kind),
                           self.context)
        assert self.state.to_dict() == before, "the engine changed its input state"
        self.state = self.last.state
        self.answers += self.last.answers
        return self.last.messages

    @property
    def text(self) -> str:
        return "\n".join(self.last.messages)

    @property
    def buttons(self) -> list[str] | None:
        return self.last.buttons

    @property
    def events(self) -> list:
        return self.last.events

    @property
    def phase(self):
        return self.state.phase

    @property
    def step(self) -> str | None:
        return self.state.step_id


def chat_at(campaign: Campaign, where: str, language: str = "1",
            context: Context = TALLIES) -> Chat:
    """A chat moved on to a point: "menu", "consent", or a step id of the all-steps fixture
    ("intro", "travel_mode", "travel_mode.why", "fare_cost", ...), or "completed"."""
    chat = Chat(campaign, context)
    if where == "menu":
        return chat
    if len(campaign.languages) > 1:
        chat.send(language)
    if where == "consent":
        return chat
    chat.send("yes")
    route = [("intro", "ok"), ("travel_mode", "1"), ("travel_mode.why", "It is near"),
             ("fare_cost", "4"), ("priorities", "312"), ("ideas", "More buses please"),
             ("others_mode", "2"), ("travel_mode_again", "2")]
    for point, reply in route:
        if where == point:
            return chat
        chat.send(reply)
    assert where == "completed", where
    return chat
