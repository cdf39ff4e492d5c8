"""`engage themes`: the themes of a campaign's open answers, and staff's edits to them.

    engage themes run SLUG                      theme the open answers (again; edits are kept)
    engage themes show SLUG [STEP]              themes, counts, quotes; STEP: every answer
    engage themes rename SLUG THEME NAME
    engage themes merge SLUG THEME --into OTHER
    engage themes split SLUG THEME --answers 12,15 --name NAME
    engage themes tag SLUG STEP --answers 12,15 (--theme ID | --name NAME)

The work is done by bot.deliberation.themes (the console calls the same functions); every
change is in the audit log.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail

WORKING_VIEW = ("A working view for the team: exact counts (the report and the public page "
                "hide small ones). Numbers in [ ] are theme ids, # answer ids.")


def _ids(text: str) -> list[int]:
    """"12,15 16" -> [12, 15, 16]; a ValueError names what is not a number."""
    found = []
    for part in text.replace(",", " ").split():
        if not part.strip().isdigit():
            raise ValueError(f"'{part}' is not an answer id (a whole number, as `engage themes "
                             "show SLUG STEP` lists them).")
        found.append(int(part))
    return found


def _run(change) -> int:
    """Run one service call in a transaction; a ThemeError is the user's mistake."""
    from bot.deliberation.themes import ThemeError
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            message = change(session)
    except (ThemeError, ValueError) as error:
        return fail(f"{error} Nothing was changed.")
    print(message)
    return EXIT_OK


def _quote(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, 92, initial_indent=indent, subsequent_indent=indent + "  ")


def show_lines(session, slug: str, step_id: str | None) -> list[str]:
    from bot.deliberation import themes
    from bot.reports.staff_words import language

    summaries = themes.summary(session, slug)
    if step_id is not None and step_id not in {s.step_id for s in summaries}:
        raise themes.ThemeError(
            f"{slug} has no open question '{step_id}'; its open questions are: "
            f"{', '.join(s.step_id for s in summaries) or 'none'}.")
    out = [f"Themes of the open answers: {slug}", WORKING_VIEW, ""]
    if not any(s.themes for s in summaries):
        out += [f"No themes yet: run `engage themes run {slug}`.", ""]
    for step in summaries:
        if step_id is not None and step.step_id != step_id:
            continue
        out.append(f"{step.title} ({step.step_id}): {step.answered} answers")
        placed = themes.members(session, slug, step.step_id) if step_id else {}
        for theme in step.themes:
            named = "" if theme.name == ", ".join(theme.terms) else \
                f" (key terms: {', '.join(theme.terms)})" if theme.terms else ""
            out.append(f"  [{theme.id}] {theme.name}{named}: {theme.count} answers, "
                       f"{', '.join(language(code) for code in theme.languages)}"
                       f"{', made by staff' if theme.origin == 'staff' else ''}")
            if step_id:
                for member in placed.get(theme.id, []):
                    mark = " (placed by staff)" if member.by_staff else ""
                    out += _quote(f"#{member.response_id} [{member.language}] {member.text}"
                                  f"{mark}", "      ")
            else:
                for response_id, text, code in theme.quotes:
                    out += _quote(f"#{response_id} [{code}] {text}", "      ")
        if step.unthemed:
            out.append(f"  Not in a theme: {step.unthemed}")
            for member in placed.get(None, []):
                out += _quote(f"#{member.response_id} [{member.language}] {member.text}",
                              "      ")
        if step.not_themed_languages:
            out.append("  Not themed (no stop-word list for the language): "
                       f"{', '.join(step.not_themed_languages)}")
        out.append("")
    return out


def cmd_themes_show(args: argparse.Namespace) -> int:
    from bot.deliberation.themes import ThemeError
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            lines = show_lines(session, args.campaign, args.step)
    except ThemeError as error:
        return fail(str(error))
    print("\n".join(lines).rstrip())
    return EXIT_OK


def cmd_themes_run(args: argparse.Namespace) -> int:
    from bot.deliberation import themes
    from bot.deliberation.clustering import MAX_THEMES, MIN_THEMES

    def change(session) -> str:
        if args.themes is not None and not MIN_THEMES <= args.themes <= MAX_THEMES:
            raise ValueError(f"--themes must be {MIN_THEMES} to {MAX_THEMES}.")
        found = themes.run(session, args.campaign, k=args.themes)
        lines = [f"Themed the open answers of {args.campaign}; staff's themes, names and "
                 "tags are kept."]
        lines += [f"  {s.title} ({s.step_id}): {len(s.themes)} themes, {s.answered} answers"
                  for s in found]
        return "\n".join(lines + [f"See them with `engage themes show {args.campaign}`."])

    return _run(change)


def cmd_themes_rename(args: argparse.Namespace) -> int:
    from bot.deliberation import themes

    def change(session) -> str:
        theme = themes.rename(session, args.campaign, args.theme, args.name)
        return f"Theme {theme.id} is now called \"{theme.name}\"."

    return _run(change)


def cmd_themes_merge(args: argparse.Namespace) -> int:
    from bot.deliberation import themes

    def change(session) -> str:
        into = themes.merge(session, args.campaign, args.theme, args.into)
        return (f"Theme {args.theme} is merged into theme {into.id} "
                f"(\"{themes.name_of(into)}\"); re-running keeps it so.")

    return _run(change)


def cmd_themes_split(args: argparse.Namespace) -> int:
    from bot.deliberation import themes

    def change(session) -> str:
        new = themes.split(session, args.campaign, args.theme, _ids(args.answers), args.name)
        return f"Made theme {new.id} (\"{new.name}\") from those answers of theme {args.theme}."

    return _run(change)


def cmd_themes_tag(args: argparse.Namespace) -> int:
    from bot.deliberation import themes

    def change(session) -> str:
        if (args.theme is None) == (args.name is None):
            raise ValueError("give either --theme ID (an existing theme) or --name NAME "
                             "(a new one).")
        theme = themes.tag(session, args.campaign, args.step, _ids(args.answers),
                           theme_id=args.theme, name=args.name)
        return (f"Put {len(_ids(args.answers))} answer(s) in theme {theme.id} "
                f"(\"{themes.name_of(theme)}\"); re-running leaves them there.")

    return _run(change)


def register(subparsers: Any) -> None:
    themes = subparsers.add_parser(
        "themes", help="Themes of the open answers: run, show, rename, merge, split, tag.",
        description="Group a campaign's open answers into themes (offline), and correct "
        "them: every edit survives running the themes again.")
    sub = themes.add_subparsers(dest="themes_command", required=True)
    run = command(sub, "run", cmd_themes_run,
                   "Theme the open answers (again): staff's themes, names and tags are kept.",
                   "engage themes run buses-2026")
    run.add_argument("campaign", help="campaign id, e.g. buses-2026")
    run.add_argument("--themes", type=int, metavar="K",
                     help="how many themes per question and language (default: about the "
                          "square root of the number of answers)")
    show = command(sub, "show", cmd_themes_show,
                    "Show each open question's themes with their counts and quotes; with a "
                    "question id, every answer (with its id) in each theme.",
                    "engage themes show buses-2026\n  engage themes show buses-2026 fix.why")
    show.add_argument("campaign", help="campaign id, e.g. buses-2026")
    show.add_argument("step", nargs="?", help="an open question's id (a text step, or "
                      "STEP.why for a choice's reasons), to list every answer")
    rename = command(sub, "rename", cmd_themes_rename, "Give a theme a name of your own.",
                      "engage themes rename buses-2026 12 \"Buses too rare\"")
    rename.add_argument("campaign")
    rename.add_argument("theme", type=int, help="the theme's id (from `engage themes show`)")
    rename.add_argument("name", help="its new name (1 to 200 characters)")
    merge = command(sub, "merge", cmd_themes_merge,
                     "Merge one theme into another of the same question (any language).",
                     "engage themes merge buses-2026 14 --into 12")
    merge.add_argument("campaign")
    merge.add_argument("theme", type=int, help="the theme that goes")
    merge.add_argument("--into", type=int, required=True, help="the theme that stays")
    split = command(sub, "split", cmd_themes_split,
                     "Make a new theme from some answers of a theme.",
                     "engage themes split buses-2026 12 --answers 101,117 --name \"Evenings\"")
    split.add_argument("campaign")
    split.add_argument("theme", type=int, help="the theme the answers are in now")
    split.add_argument("--answers", required=True, help="answer ids, e.g. 101,117")
    split.add_argument("--name", required=True, help="the new theme's name")
    tag = command(sub, "tag", cmd_themes_tag,
                   "Put answers in a theme by hand (an existing one, or a new one).",
                   "engage themes tag buses-2026 fix.why --answers 101 --theme 12\n"
                   "  engage themes tag buses-2026 ideas --answers 7,9 --name \"Safety\"")
    tag.add_argument("campaign")
    tag.add_argument("step", help="the open question's id, e.g. fix.why or ideas")
    tag.add_argument("--answers", required=True, help="answer ids, e.g. 101,117")
    tag.add_argument("--theme", type=int, help="an existing theme's id")
    tag.add_argument("--name", help="or the name of a new theme")
