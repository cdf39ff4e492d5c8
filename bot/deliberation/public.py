"""The public results page's content: the data the page (`/p/<slug>`, the console) and its
printable, static copy (`engage public export`) are both made from.

Built from the same figures staff see (bot.reports.results, bot.reports.reach, bot.deliberation.themes),
so each count follows the one small-number rule with complementary suppression
(bot.reports.small_numbers); a hidden count is never stored here, only that it is hidden. Worded in
each of the campaign's languages: the counts (and so what is hidden) are taken once, from the
campaign's first language, and only the words come from the others.

Publishing stores a snapshot (`PublicResult.content`) and the quotes chosen for it, each as a
`PublicQuote` row tied to its answer: erasure and the retention purge delete the answer and,
with it, the quote (a foreign key that cascades). When the page is shown, only quotes still
approved, of residents still Agreed, are shown, so a decision changed after publishing, or a
resident who withdrew, takes a quote off the page at once. Nothing a resident wrote is kept
in the snapshot's content: only staff's theme names and key terms of themes of at least five
answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, aliased

from bot import audit
from bot.campaigns.model import Campaign, Step
from bot.deliberation.texts import checked_texts
from bot.language import endonym
from bot.reports import reach as reach_module
from bot.reports import results as results_module
from bot.reports.funnel import _steps as every_step
from bot.reports.small_numbers import HIDDEN, THRESHOLD, Shown, protect_table, shown
from bot.stages import answers_count, counted
from bot.store.models import (
    CampaignVersion,
    Participant,
    PublicQuote,
    PublicResult,
    QuoteReview,
    Response,
    utcnow,
)

CONTENT_VERSION = 1
QUOTES_PER_QUESTION = 6
MAX_WHAT_NEXT = 2000  # characters per language
RTL = {"ar", "fa", "he", "ur"}
FALLBACK = "en"


class PublishError(ValueError):
    """A mistake in what staff asked for; nothing was changed."""


@cache
def _all_words() -> dict[str, dict[str, str]]:
    text = resources.files("bot.deliberation").joinpath("public_words.yml").read_text(
        encoding="utf-8")
    return {str(key): {str(code): str(words) for code, words in value.items()}
            for key, value in yaml.safe_load(text).items()}


def words_languages() -> set[str]:
    """The languages the page's own words are written in."""
    return set(_all_words()["results_of"])


def words(language: str) -> dict[str, str]:
    """The page's words in a language (English where a language has none)."""
    return {key: texts.get(language) or texts[FALLBACK] for key, texts in _all_words().items()}


def cell(value: Shown) -> dict[str, Any]:
    """A count as the snapshot keeps it: the number, or only that it is hidden and how."""
    if not value.hidden:
        return {"n": value.count}
    return {"hidden": "complement" if value.complement else "few"}


def cell_text(value: Mapping[str, Any], language: str) -> str:
    if "n" in value:
        return str(value["n"])
    return words(language)["hidden" if value.get("hidden") == "complement" else "few"]


# -- building the content -------------------------------------------------------------------

def _rows(session: Session, slug: str) -> list[CampaignVersion]:
    rows = (session.query(CampaignVersion).filter_by(slug=slug)
            .order_by(CampaignVersion.version).all())
    if not rows:
        raise PublishError(f"No campaign called '{slug}' has been published. "
                           "See `engage campaign list`.")
    return rows


def _text(texts: Mapping[str, str] | None, language: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or next(iter(texts.values()))


def _question(step_result: results_module.StepResult, steps: dict[str, Step],
              language: str) -> str:
    """What residents were asked, in `language`."""
    if step_result.type == "why":
        step = steps.get(step_result.step_id.removesuffix(".why"))
        return _text(step.why if step else None, language)
    step = steps.get(step_result.step_id)
    if step is None:
        return step_result.question
    if step.type == "reflect":
        return words(language)["reflect_asked"]
    if step.type == "revisit" and step.of in steps:
        return _text(steps[step.of].text, language)
    return _text(step.text, language)


def _labels(step: Step | None, default: str, language: str) -> dict[str, str]:
    """An answer's words in the first language -> in `language` (options, scale points)."""
    if step is None:
        return {}
    found = {}
    for option in step.options:
        found[_text(option.text, default)] = _text(option.text, language)
    if step.type == "scale":
        for value in step.labels:
            found[results_module._label(step, value, default)] = \
                results_module._label(step, value, language)
    return found


def _translate(label: str, labels: dict[str, str]) -> str:
    return " > ".join(labels.get(part, part) for part in label.split(" > "))


def _bars(base: results_module.StepResult, worded: dict[str, results_module.StepResult],
          languages: list[str], kind: str, points: bool = False) -> list[dict]:
    """Bars in option order (the same in every language): counts from the first language."""
    bars = []
    for number, bar in enumerate(base.bars):
        labels = {code: worded[code].bars[number].label for code in languages}
        if kind == "reflect":
            labels = {code: words(code)["yes" if number == 0 else "no"] for code in languages}
        entry: dict[str, Any] = {"label": labels}
        if points:
            entry["points"] = bar.count
        else:
            entry["count"] = cell(Shown(bar.count, bar.hidden, bar.complement))
            entry["share"] = None if bar.hidden else round(bar.share, 4)
        bars.append(entry)
    return bars


def _public_themes(step_themes) -> list[dict]:
    """Themes of at least five answers by name; the rest (and answers in no theme) together
    as "other answers"; the counts protected as a row adding up to the answers themed."""
    if step_themes is None or not step_themes.themes:
        return []
    named = [t for t in step_themes.themes if t.count >= THRESHOLD]
    if not named:
        return []
    other = step_themes.answered - sum(t.count for t in named)
    counts: dict[Any, int] = {n: t.count for n, t in enumerate(named)}
    if other:
        counts["other"] = other
    counts["all"] = step_themes.answered
    cells = protect_table(counts, [("all", [k for k in counts if k != "all"])], fixed=["all"])
    found = [{"name": t.name, "count": cell(cells[n])} for n, t in enumerate(named)]
    if other:
        found.append({"name": None, "count": cell(cells["other"])})
    return found


def _question_content(base: results_module.StepResult,
                      worded: dict[str, results_module.StepResult], steps: dict[str, Step],
                      languages: list[str], themed: dict, default: str) -> dict:
    entry: dict[str, Any] = {
        "id": base.step_id, "type": base.type, "title": base.title,
        "text": {code: _question(worded[code], steps, code) for code in languages},
        "answered": cell(shown(base.answered)), "suppressed": base.suppressed}
    if base.suppressed:
        return entry
    if base.type in ("choice", "scale", "reflect"):
        entry["bars"] = _bars(base, worded, languages, base.type)
        entry["median"] = base.median
    elif base.type == "rank":
        entry["bars"] = _bars(base, worded, languages, base.type, points=True)
    elif base.type == "revisit":
        earlier = steps.get(base.of or "")
        labels = {code: _labels(earlier, default, code) for code in languages}
        stayed, moved = base.movement
        entry["stayed"], entry["moved"] = cell(stayed), cell(moved)
        entry["changes"] = [{"from": {c: _translate(a, labels[c]) for c in languages},
                             "to": {c: _translate(b, labels[c]) for c in languages},
                             "count": cell(value)} for a, b, value in base.changes]
        entry["bars"] = _bars(base, worded, languages, base.type)
    elif base.type in ("text", "why"):
        entry["themes"] = _public_themes(themed.get(base.step_id))
    return entry


def _reach(session: Session, slug: str, languages: list[str]) -> dict | None:
    try:
        worded = {code: reach_module.collect(session, slug, code) for code in languages}
    except reach_module.NoPopulation:
        return None
    base = worded[languages[0]]
    out: dict[str, Any] = {"source": base.source, "too_few": reach_module.too_few(
        base.participants), "characteristics": []}
    if out["too_few"]:
        return out
    for number, item in enumerate(base.characteristics):
        hide_shares = reach_module.too_few(item.answered) or item.shown_counts[
            "answered"].hidden
        groups = []
        for index, group in enumerate(item.groups):
            groups.append({
                "label": {c: worded[c].characteristics[number].groups[index].label
                          for c in languages},
                "target": group.target,
                "count": {"hidden": "complement" if group.text == HIDDEN else "few"}
                if group.hidden else {"n": group.count},
                "share": None if group.hidden or hide_shares or group.share is None
                else round(group.share, 4)})
        out["characteristics"].append({
            "question": {c: worded[c].characteristics[number].question for c in languages},
            "answered": cell(item.shown_counts["answered"]), "groups": groups})
    return out


def clean_what_next(campaign: Campaign, texts: Mapping[str, str] | None,
                    required: bool = True) -> dict[str, str]:
    """Staff's "what happens next", per language: the campaign's first language is needed
    (the others fall back to it); at most MAX_WHAT_NEXT characters each."""
    found = checked_texts(campaign.languages, texts, MAX_WHAT_NEXT, "\"What happens next\"",
                          lambda text: "\n".join(line.strip() for line in
                                                 text.strip().splitlines()), PublishError)
    if required and campaign.default_language not in found:
        raise PublishError("Write what happens next in "
                           f"{endonym(campaign.default_language)} at least: residents read "
                           "the page to learn what their answers changed.")
    return found


def build(session: Session, slug: str, what_next: Mapping[str, str] | None,
          now: datetime | None = None, draft: bool = False) -> dict:
    """The page's content (JSON-safe), without its quotes (see `choose_quotes`). A `draft`
    (a preview) may have no "what happens next" yet."""
    from bot.deliberation import themes

    rows = _rows(session, slug)
    campaign = Campaign.from_dict(rows[-1].definition)
    languages = list(campaign.languages)
    default = campaign.default_language
    steps = every_step(rows)  # the newest version's, where several have a step
    results = {code: results_module.collect(session, slug, code) for code in languages}
    base = results[default]
    themed = {s.step_id: s for s in themes.summary(session, slug)}
    finished = sum(1 for p in counted(session, slug) if p.status == "completed")
    questions = []
    for number, step_result in enumerate(base.steps):
        if step_result.postcode:
            continue  # counted by district in "who we heard from"
        worded = {code: results[code].steps[number] for code in languages}
        questions.append(_question_content(step_result, worded, steps, languages, themed,
                                           default))
    return {
        "version": CONTENT_VERSION, "slug": slug, "languages": languages,
        "default_language": default,
        "title": {code: _text(campaign.title, code) for code in languages},
        "organisation": {code: _text(campaign.organisation, code) for code in languages},
        "status": rows[-1].status,
        "fieldwork": [base.first_answer.date().isoformat() if base.first_answer else None,
                      base.last_answer.date().isoformat() if base.last_answer else None],
        "took_part": cell(shown(base.agreed)), "finished": cell(shown(finished)),
        "questions": questions, "reach": _reach(session, slug, languages),
        "what_next": clean_what_next(campaign, what_next, required=not draft),
        "made_at": (now or utcnow()).isoformat(timespec="seconds"),
    }


@dataclass
class QuoteChoice:
    response_id: int
    step_id: str
    theme: str | None
    text: str
    language: str
    translations: dict[str, str] = field(default_factory=dict)


def choose_quotes(session: Session, slug: str, content: dict) -> list[QuoteChoice]:
    """Approved quotes for the page: of questions shown (at least five answered), up to
    QUOTES_PER_QUESTION each, taking one from each theme in turn so that different views
    are heard, not only the largest."""
    from bot.deliberation.moderation import approved_quotes
    from bot.deliberation.themes import themes_by_response

    shown_steps = {q["id"] for q in content["questions"] if not q["suppressed"]}
    theme_of = themes_by_response(session, slug)
    by_step: dict[str, dict[str | None, list]] = defaultdict(lambda: defaultdict(list))
    for quote in approved_quotes(session, slug):
        if quote.step_id in shown_steps:
            by_step[quote.step_id][theme_of.get(quote.response_id)].append(quote)
    chosen = []
    for step_id in [q["id"] for q in content["questions"]]:
        groups = [by_step[step_id][key] for key in sorted(by_step.get(step_id, {}),
                                                          key=lambda k: (k is None, k or ""))]
        picked: list = []
        while len(picked) < QUOTES_PER_QUESTION and any(groups):
            for group in groups:
                if group and len(picked) < QUOTES_PER_QUESTION:
                    picked.append(group.pop(0))
        chosen += [QuoteChoice(q.response_id, q.step_id, theme_of.get(q.response_id), q.text,
                               q.language, dict(q.translations)) for q in picked]
    return chosen


# -- publishing ------------------------------------------------------------------------------

def published(session: Session, slug: str) -> PublicResult | None:
    """The campaign's published page, if it has one."""
    return session.query(PublicResult).filter_by(slug=slug).one_or_none()


def publish(session: Session, slug: str, what_next: Mapping[str, str] | None,
            by: str | None = None) -> PublicResult:
    """Publish (or publish again) the campaign's page: a new snapshot of the figures and of
    the approved quotes, replacing the last. Recorded in the audit log ("publish")."""
    content = build(session, slug, what_next)
    quotes = choose_quotes(session, slug, content)
    row = published(session, slug)
    again = row is not None
    if row is None:
        row = PublicResult(slug=slug, content=content, published_by=by or audit.actor())
        session.add(row)
    else:
        session.query(PublicQuote).filter_by(public_result_id=row.id).delete(
            synchronize_session=False)
        row.content, row.published_by = content, by or audit.actor()
    row.published_at = utcnow()
    session.flush()
    session.add_all([PublicQuote(public_result_id=row.id, response_id=q.response_id,
                                 step_id=q.step_id, theme=q.theme, text=q.text,
                                 language=q.language, translations=q.translations or None,
                                 position=number) for number, q in enumerate(quotes)])
    session.flush()
    audit.record(session, "publish", slug, {"again": again, "quotes": len(quotes),
                                            "languages": content["languages"]}, who=by)
    return row


def unpublish(session: Session, slug: str, by: str | None = None) -> None:
    """Take the page down: the snapshot and its quotes are deleted ("unpublish")."""
    row = published(session, slug)
    if row is None:
        raise PublishError(f"{slug} has no public results page to take down.")
    session.delete(row)
    session.flush()
    audit.record(session, "unpublish", slug, {}, who=by)


# -- the page, as the public reads it --------------------------------------------------------

@dataclass
class ShownQuote:
    text: str
    language: str  # the language the words shown are in
    written_in: str | None  # the original's language name, when no translation is shown
    theme: str | None


@dataclass
class Page:
    """Everything the page shows, in one language."""

    content: dict
    language: str
    words: dict[str, str]
    quotes: dict[str, list[ShownQuote]]
    languages: list[tuple[str, str]]  # (code, its name in itself)
    published_at: datetime | None
    preview: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL else "ltr"

    def say(self, key: str, **fields: Any) -> str:
        template = self.words[key]
        return template.format(**fields) if fields else template

    def text(self, texts: Mapping[str, str] | None) -> str:
        return _text(texts, self.language)

    def count(self, value: Mapping[str, Any]) -> str:
        return cell_text(value, self.language)

    def what_next(self) -> tuple[str, str]:
        """Staff's words in this language, or the first language's (with its code)."""
        texts = self.content.get("what_next") or {}
        if self.language in texts:
            return texts[self.language], self.language
        default = self.content["default_language"]
        return texts.get(default, ""), default


def _still_quotable(session: Session, slug: str, rows: list[PublicQuote]) -> list[PublicQuote]:
    """The quotes whose answer is still approved, and whose author is still Agreed (by their
    latest participation in the campaign): anything else is never shown."""
    if not rows:
        return []
    versions = [v for (v,) in session.query(CampaignVersion.id).filter_by(slug=slug)]
    newer = aliased(Participant)
    later = sa.exists().where(newer.pseudonym == Participant.pseudonym,
                              newer.campaign_id.in_(versions), newer.id > Participant.id)
    fine = {response_id for response_id, participant in session.query(
        QuoteReview.response_id, Participant)
        .join(Response, Response.id == QuoteReview.response_id)
        .join(Participant, Participant.id == Response.participant_id)
        .filter(QuoteReview.status == "approved",
                QuoteReview.response_id.in_([r.response_id for r in rows]), ~later)
        if answers_count(participant)}
    return [row for row in rows if row.response_id in fine]


def _shown_quotes(quotes, language: str) -> dict[str, list[ShownQuote]]:
    found: dict[str, list[ShownQuote]] = defaultdict(list)
    for quote in quotes:
        translations = quote.translations or {}
        if quote.language == language:
            shown_quote = ShownQuote(quote.text, language, None, quote.theme)
        elif translations.get(language):
            shown_quote = ShownQuote(translations[language], language, None, quote.theme)
        else:
            shown_quote = ShownQuote(quote.text, quote.language, endonym(quote.language),
                                     quote.theme)
        found[quote.step_id].append(shown_quote)
    return dict(found)


def _language(content: dict, language: str | None) -> str:
    return language if language in content["languages"] else content["default_language"]


def _page(content: dict, quotes, language: str | None, published_at: datetime | None,
          preview: bool = False) -> Page:
    code = _language(content, language)
    return Page(content, code, words(code), _shown_quotes(quotes, code),
                [(c, endonym(c)) for c in content["languages"]], published_at, preview)


def page(session: Session, slug: str, language: str | None = None) -> Page | None:
    """The published page in a language (the first one if it is not the campaign's), or
    None when nothing is published."""
    row = published(session, slug)
    if row is None:
        return None
    rows = (session.query(PublicQuote).filter_by(public_result_id=row.id)
            .order_by(PublicQuote.position).all())
    return _page(row.content, _still_quotable(session, slug, rows), language,
                 row.published_at)


def preview(session: Session, slug: str, what_next: Mapping[str, str] | None,
            language: str | None = None) -> Page:
    """The page as publishing it now would make it; nothing is stored."""
    content = build(session, slug, what_next, draft=True)
    return _page(content, choose_quotes(session, slug, content), language, None, preview=True)
