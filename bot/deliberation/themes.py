"""Themes of a campaign's open answers (every `text` step and every "why" follow-up), found
offline (bot.deliberation.clustering) and kept in the database, so that staff can rename,
merge and split them and tag answers by hand, and so that their edits survive re-running.

Re-running (`run`) themes again only the answers staff have not placed themselves: each theme
found is matched to the automatic theme of the last run whose answers it shares most, and so
keeps its id, its staff name and any merge; staff themes and staff tags are never touched.
Only Agreed residents' answers (bot.stages) with at least three letters are themed; the
postcode question of a `population:` block is not (reach counts it by district).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import audit
from bot.campaigns.model import Campaign
from bot.campaigns.population import population_from_dict
from bot.deliberation.clustering import find_themes
from bot.deliberation.stopwords import NoStopWords, available
from bot.errors import StaffError
from bot.privacy.screen import screen
from bot.reports.results import quotable
from bot.reports.small_numbers import Shown, protect_table
from bot.reports.step_titles import title, why_title
from bot.stages import counted
from bot.store.models import CampaignVersion, Response, Theme, ThemeAssignment

QUOTES = 3  # representative quotes per theme
UNTHEMED = "Not in a theme"


class ThemeError(StaffError):
    """A mistake in what staff asked for; nothing was changed."""


@dataclass
class ThemeSummary:
    id: int
    name: str  # staff's name, or its key terms
    terms: tuple[str, ...]
    languages: tuple[str, ...]
    origin: str
    count: int
    quotes: list[tuple[int, str, str]] = field(default_factory=list)  # response id, text, lang


@dataclass
class StepThemes:
    step_id: str
    title: str
    answered: int  # quotable answers themed or not
    themes: list[ThemeSummary] = field(default_factory=list)
    unthemed: int = 0
    not_themed_languages: tuple[str, ...] = ()  # languages with no stop-word list


def open_steps(session: Session, slug: str) -> list[tuple[str, str]]:
    """(step id, staff title) of every open question of the campaign's newest version."""
    row = (session.query(CampaignVersion).filter_by(slug=slug)
           .order_by(CampaignVersion.version.desc()).first())
    if row is None:
        raise ThemeError(f"No campaign called '{slug}' has been published. "
                         "See `engage campaign list`.")
    campaign = Campaign.from_dict(row.definition)
    postcode = set()
    if campaign.population:
        try:
            postcode = {c.step for c in population_from_dict(campaign.population).characteristics}
        except (KeyError, TypeError, ValueError):
            postcode = set()
    steps = []
    for step in campaign.steps:
        if step.type == "text" and step.id not in postcode:
            steps.append((step.id, title(step)))
        if step.type == "choice" and step.why:
            steps.append((f"{step.id}.why", why_title(step)))
    return steps


def answers(session: Session, slug: str, step_id: str) -> list[Response]:
    """The answers that are themed: Agreed residents', with at least three letters."""
    ids = [p.id for p in counted(session, slug)]
    if not ids:
        return []
    rows = (session.query(Response)
            .filter(Response.participant_id.in_(ids), Response.step_id == step_id,
                    Response.skipped.is_(False))
            .order_by(Response.id).all())
    return [r for r in rows if isinstance(r.value, str) and quotable(r.value)]


def _target(theme: Theme, by_id: dict[int, Theme]) -> Theme:
    seen = set()
    while theme.merged_into is not None and theme.merged_into in by_id and theme.id not in seen:
        seen.add(theme.id)
        theme = by_id[theme.merged_into]
    return theme


def run(session: Session, slug: str, k: int | None = None,
        by: str | None = None) -> list[StepThemes]:
    """Theme every open question again (see the module's docstring); returns the summary.
    Recorded in the audit log ("themes-run"), as every staff edit below is."""
    for step_id, _ in open_steps(session, slug):
        rows = answers(session, slug, step_id)
        by_language: dict[str, list[Response]] = defaultdict(list)
        for response in rows:
            by_language[response.language].append(response)
        for language, group in sorted(by_language.items()):
            if language in available():
                _theme_language(session, slug, step_id, language, group, k)
    session.flush()
    found = summary(session, slug)
    audit.record(session, "themes-run", slug,
                 {"questions": len(found), "themes": sum(len(s.themes) for s in found)}, who=by)
    return found


def _theme_language(session: Session, slug: str, step_id: str, language: str,
                    rows: list[Response], k: int | None) -> None:
    ids = [r.id for r in rows]
    current = {a.response_id: a for a in session.query(ThemeAssignment)
               .filter(ThemeAssignment.response_id.in_(ids))}
    free = [r for r in rows if not (r.id in current and current[r.id].by_staff)]
    themes = session.query(Theme).filter_by(slug=slug, step_id=step_id).all()
    by_id = {theme.id: theme for theme in themes}
    autos = [t for t in themes if t.origin == "auto" and t.language == language]
    before: dict[int, set[int]] = defaultdict(set)  # auto theme -> its answers last time
    for response_id, assignment in current.items():
        if not assignment.by_staff:
            before[assignment.theme_id].add(response_id)
    found = find_themes([str(r.value) for r in free], language, k)
    groups = [({free[i].id for i, _ in theme.members}, theme) for theme in found]
    pairs = sorted(((len(members & before.get(t.id, set())), -t.id, n, t.id)
                    for n, (members, _) in enumerate(groups) for t in autos), reverse=True)
    matched: dict[int, Theme] = {}
    used: set[int] = set()
    for overlap, _, number, theme_id in pairs:
        if overlap and number not in matched and theme_id not in used:
            matched[number], _ = by_id[theme_id], used.add(theme_id)
    for number, (_, theme) in enumerate(groups):
        if number not in matched:
            row = Theme(slug=slug, step_id=step_id, language=language, origin="auto")
            session.add(row)
            session.flush()
            by_id[row.id] = row
            matched[number] = row
        matched[number].terms = list(theme.terms)
    for response in free:  # the method's places: replaced, never staff's
        if response.id in current:
            session.delete(current[response.id])
    session.flush()
    for number, (_, theme) in enumerate(groups):
        for index, weight in theme.members:
            session.add(ThemeAssignment(response_id=free[index].id, theme_id=matched[number].id,
                                        by_staff=False, weight=weight))
    keep = {t.id for t in matched.values()} | {t.merged_into for t in themes if t.merged_into}
    for theme in autos:  # an automatic theme nothing matched, unnamed and empty, goes
        if theme.id not in keep and theme.name is None and not session.query(
                ThemeAssignment).filter_by(theme_id=theme.id).count():
            session.delete(theme)
    session.flush()


def name_of(theme: Theme) -> str:
    return theme.name or ", ".join(theme.terms or []) or f"Theme {theme.id}"


def summary(session: Session, slug: str) -> list[StepThemes]:
    """Each open question's themes as staff see them: name, count (Agreed residents only),
    and up to three representative quotes (the answers the method placed most firmly, staff
    tags next), with phone numbers, emails and postcodes masked."""
    out = []
    for step_id, step_title in open_steps(session, slug):
        rows = answers(session, slug, step_id)
        by_response = {r.id: r for r in rows}
        result = StepThemes(step_id, step_title, len(rows))
        themes = {t.id: t for t in session.query(Theme).filter_by(slug=slug, step_id=step_id)}
        placed: dict[int, list[ThemeAssignment]] = defaultdict(list)
        for assignment in session.query(ThemeAssignment).filter(
                ThemeAssignment.response_id.in_(list(by_response))):
            placed[_target(themes[assignment.theme_id], themes).id].append(assignment)
        result.unthemed = len(rows) - sum(len(v) for v in placed.values())
        for theme_id, members in placed.items():
            theme = themes[theme_id]
            members.sort(key=lambda a: (-(a.weight or 0.0), a.response_id))
            quotes = []
            for assignment in members[:QUOTES]:
                response = by_response[assignment.response_id]
                quotes.append((response.id, screen(str(response.value)).text, response.language))
            languages = tuple(sorted({by_response[a.response_id].language for a in members}))
            result.themes.append(ThemeSummary(theme.id, name_of(theme), tuple(theme.terms or ()),
                                              languages, theme.origin, len(members), quotes))
        result.themes.sort(key=lambda t: (-t.count, t.id))
        result.not_themed_languages = tuple(sorted({r.language for r in rows} - available()))
        out.append(result)
    return out


@dataclass
class Member:
    """One answer as staff place it: masked, with its language and who placed it."""

    response_id: int
    text: str
    language: str
    by_staff: bool = False


def members(session: Session, slug: str, step_id: str) -> dict[int | None, list[Member]]:
    """Every answer of one open question by the theme it is shown in (following merges;
    None: in no theme), oldest first: what staff read to split a theme or tag answers."""
    if step_id not in {s for s, _ in open_steps(session, slug)}:
        raise ThemeError(f"{slug} has no open question '{step_id}'. See "
                         f"`engage themes show {slug}`.")
    rows = answers(session, slug, step_id)
    themes = {t.id: t for t in session.query(Theme).filter_by(slug=slug, step_id=step_id)}
    placed = {a.response_id: a for a in session.query(ThemeAssignment).filter(
        ThemeAssignment.response_id.in_([r.id for r in rows]))}
    out: dict[int | None, list[Member]] = defaultdict(list)
    for response in rows:
        assignment = placed.get(response.id)
        key = None if assignment is None else _target(themes[assignment.theme_id], themes).id
        out[key].append(Member(response.id, screen(str(response.value)).text, response.language,
                               bool(assignment and assignment.by_staff)))
    return dict(out)


def shown_counts(step: StepThemes) -> dict[int | None, Shown]:
    """Each theme's count (None: not in a theme) as shown outside the working views, by the
    one small-number rule: the themes and "not in a theme" add up to the answers shown."""
    cells: dict = {theme.id: theme.count for theme in step.themes}
    if step.unthemed:
        cells[None] = step.unthemed
    cells["all"] = step.answered
    shown = protect_table(cells, [("all", [key for key in cells if key != "all"])],
                          fixed=["all"])
    return {key: cell for key, cell in shown.items() if key != "all"}


def name_of_id(factory, theme_id: int) -> str:
    """A theme's name as shown now (following merges), in a transaction of its own."""
    from bot.store.db import transaction

    with transaction(factory) as session:
        themes = {t.id: t for t in session.query(Theme)}
        return name_of(_target(themes[theme_id], themes))


def themes_by_response(session: Session, slug: str) -> dict[int, str]:
    """Response id -> the name of its theme (for exports)."""
    themes = {t.id: t for t in session.query(Theme).filter_by(slug=slug)}
    found = {}
    for assignment in session.query(ThemeAssignment).filter(
            ThemeAssignment.theme_id.in_(list(themes))):
        found[assignment.response_id] = name_of(_target(themes[assignment.theme_id], themes))
    return found


# -- staff's edits ----------------------------------------------------------------------------

def _theme(session: Session, slug: str, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.slug != slug:
        raise ThemeError(f"{slug} has no theme {theme_id}. See `engage themes show {slug}`.")
    if theme.merged_into is not None:
        raise ThemeError(f"theme {theme_id} was merged into theme {theme.merged_into}; "
                         "change that one instead.")
    return theme


def rename(session: Session, slug: str, theme_id: int, name: str,
           by: str | None = None) -> Theme:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ThemeError("give the theme a name of 1 to 200 characters.")
    theme = _theme(session, slug, theme_id)
    before = name_of(theme)
    theme.name = name
    audit.record(session, "theme-rename", slug,
                 {"theme": theme_id, "from": before, "to": name}, who=by)
    return theme


def merge(session: Session, slug: str, theme_id: int, into_id: int,
          by: str | None = None) -> Theme:
    """Every answer of one theme joins another (of the same question, any language)."""
    if theme_id == into_id:
        raise ThemeError("a theme cannot be merged into itself.")
    theme, into = _theme(session, slug, theme_id), _theme(session, slug, into_id)
    if theme.step_id != into.step_id:
        raise ThemeError(f"themes {theme_id} and {into_id} are about different questions.")
    theme.merged_into = into.id  # its answers stay with it, shown under `into` (_target), so
    # that running again still knows them and sends what it finds there to `into` too
    for other in session.query(Theme).filter_by(merged_into=theme.id):
        other.merged_into = into.id
    audit.record(session, "theme-merge", slug, {"theme": theme_id, "into": into_id,
                                                 "step": into.step_id}, who=by)
    return into


def _responses(session: Session, slug: str, step_id: str,
               response_ids: Iterable[int]) -> list[Response]:
    wanted = list(dict.fromkeys(response_ids))
    allowed = {r.id: r for r in answers(session, slug, step_id)}
    missing = [str(i) for i in wanted if i not in allowed]
    if not wanted or missing:
        raise ThemeError(f"not open answers to this question that are used: "
                         f"{', '.join(missing) or 'none given'}.")
    return [allowed[i] for i in wanted]


def split(session: Session, slug: str, theme_id: int, response_ids: Iterable[int],
          name: str, by: str | None = None) -> Theme:
    """Some answers of a theme become a new staff theme of their own."""
    theme = _theme(session, slug, theme_id)
    rows = _responses(session, slug, theme.step_id, response_ids)
    inside = {a.response_id for a in session.query(ThemeAssignment).filter_by(theme_id=theme.id)}
    outside = [str(r.id) for r in rows if r.id not in inside]
    if outside:
        raise ThemeError(f"answers {', '.join(outside)} are not in theme {theme_id}.")
    new = _new_staff_theme(session, theme.slug, theme.step_id, theme.language, name)
    for response in rows:
        _place(session, response.id, new.id)
    audit.record(session, "theme-split", slug, {"theme": theme_id, "new_theme": new.id,
                                                 "name": new.name, "answers": len(rows)}, who=by)
    return new


def tag(session: Session, slug: str, step_id: str, response_ids: Iterable[int],
        theme_id: int | None = None, name: str | None = None, by: str | None = None) -> Theme:
    """Put answers in a theme by hand (an existing one, or a new one by name)."""
    rows = _responses(session, slug, step_id, response_ids)
    if theme_id is not None:
        theme = _theme(session, slug, theme_id)
        if theme.step_id != step_id:
            raise ThemeError(f"theme {theme_id} is about another question.")
    else:
        theme = _new_staff_theme(session, slug, step_id, rows[0].language, name or "")
    for response in rows:
        _place(session, response.id, theme.id)
    audit.record(session, "theme-tag", slug, {"step": step_id, "theme": theme.id,
                                               "name": name_of(theme), "answers": len(rows)},
                 who=by)
    return theme


def _new_staff_theme(session: Session, slug: str, step_id: str, language: str,
                     name: str) -> Theme:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ThemeError("give the new theme a name of 1 to 200 characters.")
    theme = Theme(slug=slug, step_id=step_id, language=language, origin="staff", name=name)
    session.add(theme)
    session.flush()
    return theme


def _place(session: Session, response_id: int, theme_id: int) -> None:
    row = session.query(ThemeAssignment).filter_by(response_id=response_id).one_or_none()
    if row is None:
        session.add(ThemeAssignment(response_id=response_id, theme_id=theme_id, by_staff=True))
    else:
        row.theme_id, row.by_staff = theme_id, True
    session.flush()


def check_language(language: str) -> None:
    """Raise NoStopWords for a language that cannot be themed."""
    if language not in available():
        raise NoStopWords(language)
