"""How well the bot understands replies as residents type them, on a held-out set.

    .venv/bin/python -m bot.language_eval languages/heldout.yml [--model models/engage.tar.gz]
    .venv/bin/python -m bot.language_eval languages/heldout.yml --summary   # figures only

Each reply in the file (see its header) is sent, with the trained model's meta-intent, to the
engine at the place the file says (the language menu, consent, a choice...), exactly as a
resident's message would be, and what the bot did with it is compared with what the reply
meant. Accuracy is printed per language and per intent, with opt-out recall, false
opt-outs, and every miss (with --summary, the figures alone: whoever tunes the language data
must not see the held-out replies). Only shipped languages are measured (the file may hold more).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.campaigns.model import Campaign
from bot.engine import (
    NO_CONTEXT,
    Context,
    Event,
    Outcome,
    ParticipantState,
    Phase,
    Reply,
    handle,
    keyword_elsewhere,
    start,
)
from bot.language import LANGUAGES
from bot.text import fold

POSITIONS = ("menu", "consent", "choice", "scale", "text", "info", "reflect")
STEP_OF = {"choice": "travel", "scale": "ease", "text": "ideas", "info": "intro",
           "reflect": "others"}
OPTIONS = ("bus", "walk", "car", "taxi")
# Enough answers so far that the reflect step asks its question.
TALLIES = Context(tallies={"travel": {"bus": 9, "walk": 6, "car": 5, "taxi": 2}})
OWN_KEYWORD = "TRAVEL"
Parser = Callable[[list[str]], list[tuple[str | None, float]]]


@dataclass(frozen=True)
class Case:
    language: str
    position: str
    expected: str  # what the reply means: stop, skip, bus, 4, yes, language:pl, answer...
    text: str

    @property
    def intent(self) -> str:
        """The kind of meaning, for the per-intent figures."""
        if self.expected in OPTIONS or self.expected.isdigit() or self.expected == "answer":
            return "answer"
        if self.position == "reflect":
            return "answer"
        if self.position == "consent" and self.expected in ("yes", "no"):
            return f"consent_{self.expected}"
        if self.expected.startswith("language:"):
            return "language"
        return self.expected


@dataclass(frozen=True)
class Result:
    case: Case
    got: str
    intent: str | None
    confidence: float

    @property
    def right(self) -> bool:
        return self.got == self.case.expected


def _texts(words: str, languages: Iterable[str]) -> dict[str, str]:
    return {code: words for code in languages}


def eval_campaign(code: str, spec: dict[str, Any]) -> Campaign:
    """A campaign in `code` and English (English alone for English), with the held-out
    file's option and scale words for `code`."""
    languages = [code] if code == "en" else [code, "en"]
    english = {"bus": "Bus", "walk": "Walk", "car": "Car", "taxi": "Taxi"}
    options = [{"id": option, "text": {code: spec["options"][option], "en": english[option]}}
               for option in OPTIONS]
    scale = spec["scale"]
    return Campaign.from_dict({
        "id": "heldout", "title": _texts("Travel", languages),
        "organisation": _texts("The Council", languages), "languages": languages,
        "keywords": [OWN_KEYWORD], "retention_days": 30,
        "consent": {"version": "1", "text": _texts("We ask about travel.", languages)},
        "thanks": _texts("Thanks.", languages),
        "steps": [
            {"id": "intro", "type": "info", "text": _texts("Some background.", languages),
             "more": _texts("More background.", languages)},
            {"id": "travel", "type": "choice", "text": _texts("How do you travel?", languages),
             "options": options},
            {"id": "ease", "type": "scale", "text": _texts("How easy is it?", languages),
             "min": 1, "max": 5,
             "labels": {1: {code: scale["1"], "en": "Very hard"},
                        5: {code: scale["5"], "en": "Very easy"}}},
            {"id": "ideas", "type": "text", "text": _texts("What would help?", languages)},
            {"id": "others", "type": "reflect", "of": "travel",
             "text": _texts("Others chose:", languages)},
        ],
    })


def menu_campaign(codes: Iterable[str]) -> Campaign:
    codes = list(codes)
    base = eval_campaign("en", {"options": {o: o for o in OPTIONS},
                                "scale": {"1": "Very hard", "5": "Very easy"}}).to_dict()
    base["languages"] = codes

    def every(text: dict[str, str]) -> dict[str, str]:
        return _texts(text["en"], codes)

    for field in ("title", "organisation", "thanks"):
        base[field] = every(base[field])
    base["consent"]["text"] = every(base["consent"]["text"])
    for step in base["steps"]:
        step["text"] = every(step["text"])
        if "more" in step:
            step["more"] = every(step["more"])
        for option in step.get("options", []):
            option["text"] = every(option["text"])
        step["labels"] = {point: every(text) for point, text in step.get("labels", {}).items()}
    return Campaign.from_dict(base)


def state_at(campaign: Campaign, position: str, language: str) -> ParticipantState:
    if position == "menu":
        return start(campaign).state
    if position == "consent":
        return ParticipantState(Phase.AWAITING_CONSENT, language, language_chosen=True)
    return ParticipantState(Phase.IN_STEP, language, language_chosen=True,
                            step_id=STEP_OF[position], consent_given=True,
                            answers={"travel": "bus"} if position == "reflect" else {})


def classify(position: str, before: ParticipantState, outcome: Outcome) -> str:
    """What the bot did with a reply, in the held-out file's words."""
    events, after = outcome.events, outcome.state
    if Event.OPTED_OUT in events:
        return "stop"
    if Event.ERASE_REQUESTED in events:
        return "delete"
    if Event.SWITCH_OFFERED in events:
        return "switch"
    if Event.SWITCHED in events:
        return "switched"
    if Event.CONSENT_GIVEN in events:
        return "yes"
    if Event.CONSENT_DECLINED in events:
        return "no"
    if position == "menu" and after.phase is Phase.AWAITING_CONSENT:
        return f"language:{after.language}"
    if outcome.answers:
        answer = outcome.answers[0]
        if answer.skipped:
            return "skip"
        return "answer" if position == "text" else str(answer.value)
    if position == "info" and after.step_id != before.step_id:
        return "go_on"
    if after.detail_shown and not before.detail_shown:
        return "more"
    if after.misunderstood > before.misunderstood:
        return "unclear"
    said = "\n".join(outcome.messages)
    if "The Council" in said and "Travel" in said:
        return "help"
    if after.phase is Phase.AWAITING_CONSENT and before.phase is Phase.AWAITING_CONSENT \
            and len(outcome.messages) == 1 and "We ask about travel." in said:
        return "repeat"
    if after.to_dict() == before.to_dict() and outcome.messages:
        return "repeat"
    return "other"


def load_cases(path: Path, shipped: Iterable[str]) -> tuple[list[Case], dict[str, Any]]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    allowed = set(shipped)
    cases = []
    for code, spec in data["languages"].items():
        if code not in allowed:
            continue
        for position, groups in spec["cases"].items():
            for expected, texts in groups.items():
                meaning = f"language:{code}" if expected == "language" else expected
                cases.extend(Case(code, position, meaning, text) for text in texts)
    return cases, data


def evaluate(path: Path, parse: Parser | None = None,
             shipped: Iterable[str] | None = None) -> list[Result]:
    """Every held-out reply of the shipped languages, through the model (when `parse` is
    given) and the engine."""
    codes = list(shipped if shipped is not None else LANGUAGES)
    cases, data = load_cases(path, codes)
    keywords = {fold(word) for word in data.get("other_campaign_keywords") or []}
    campaigns = {code: eval_campaign(code, data["languages"][code])
                 for code in {case.language for case in cases}}
    menu = menu_campaign(codes)
    parsed = parse([case.text for case in cases]) if parse else [(None, 0.0)] * len(cases)
    results = []
    for case, (intent, confidence) in zip(cases, parsed, strict=True):
        campaign = menu if case.position == "menu" else campaigns[case.language]
        before = state_at(campaign, case.position, case.language)
        reply = Reply(case.text, intent, confidence)
        context = TALLIES if case.position == "reflect" else NO_CONTEXT
        if fold(case.text) in keywords and case.position != "menu":
            outcome = keyword_elsewhere(campaign, before, reply, case.text.upper(), context)
        else:
            outcome = handle(campaign, before, reply, context)
        results.append(Result(case, classify(case.position, before, outcome), intent,
                              confidence))
    return results


def rasa_parser(model: Path) -> Parser:
    """The trained model's top intent and confidence for each text."""
    import structlog
    from rasa.core.agent import Agent

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model))

    def parse(texts: list[str]) -> list[tuple[str | None, float]]:
        async def run() -> list[tuple[str | None, float]]:
            found = []
            for text in texts:
                intent = (await agent.parse_message(text))["intent"]
                found.append((intent.get("name"), float(intent.get("confidence") or 0.0)))
            return found
        return asyncio.run(run())

    return parse


@dataclass(frozen=True)
class Summary:
    overall: float
    by_language: dict[str, float]
    by_intent: dict[str, float]
    stop_recall: float
    false_stops: int
    count: int


def summarise(results: list[Result]) -> Summary:
    def share(rows: list[Result]) -> float:
        return sum(r.right for r in rows) / len(rows) if rows else 1.0

    by_language: dict[str, list[Result]] = defaultdict(list)
    by_intent: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_language[result.case.language].append(result)
        by_intent[result.case.intent].append(result)
    stops = by_intent.get("stop", [])
    false_stops = sum(r.got == "stop" and r.case.expected != "stop" for r in results)
    return Summary(share(results), {code: share(rows) for code, rows in by_language.items()},
                   {intent: share(rows) for intent, rows in sorted(by_intent.items())},
                   share(stops), false_stops, len(results))


def report(results: list[Result], misses: bool = True) -> str:
    summary = summarise(results)
    lines = [f"held-out replies: {summary.count}",
             f"overall accuracy: {summary.overall:.3f}",
             f"opt-out recall: {summary.stop_recall:.3f}; false opt-outs: {summary.false_stops}",
             "by language:"]
    counts = defaultdict(int)
    for result in results:
        counts[result.case.language] += 1
    for code in LANGUAGES:
        if code in summary.by_language:
            lines.append(f"  {code:<4} {summary.by_language[code]:.3f}  ({counts[code]})")
    lines.append("by intent:")
    intent_counts = defaultdict(int)
    for result in results:
        intent_counts[result.case.intent] += 1
    for intent, value in summary.by_intent.items():
        lines.append(f"  {intent:<12} {value:.3f}  ({intent_counts[intent]})")
    wrong = [r for r in results if not r.right] if misses else []
    if wrong:
        lines.append("misses:")
        for r in wrong:
            lines.append(f"  [{r.case.language} {r.case.position}] {r.case.text!r}: "
                         f"{r.case.expected} -> {r.got} (model: {r.intent} {r.confidence:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.language_eval",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("heldout", type=Path, help="e.g. languages/heldout.yml")
    parser.add_argument("--model", type=Path, default=Path("models/engage.tar.gz"),
                        help="the trained Rasa model (default: models/engage.tar.gz)")
    parser.add_argument("--no-model", action="store_true",
                        help="the engine alone, without the model's intents (quicker)")
    parser.add_argument("--summary", action="store_true",
                        help="the figures only, never a held-out reply (for tuning)")
    args = parser.parse_args(argv)
    if not args.heldout.is_file():
        print(f"Error: no file {args.heldout}", file=sys.stderr)
        return 1
    parse = None
    if not args.no_model:
        if not args.model.is_file():
            print(f"Error: no model {args.model}: run `make train`", file=sys.stderr)
            return 1
        parse = rasa_parser(args.model)
    print(report(evaluate(args.heldout, parse), misses=not args.summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
