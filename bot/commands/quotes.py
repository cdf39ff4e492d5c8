"""`engage quotes`: the moderation queue. Open answers are private until staff approve them
for quoting; only approved quotes ever reach other residents (reflect steps) or the public.

    engage quotes queue SLUG [STEP]                 answers waiting (flags first)
    engage quotes reviewed SLUG                     decisions so far
    engage quotes approve SLUG ANSWER [--text WORDS] [--translation cy=WORDS] [--checked]
    engage quotes reject SLUG ANSWER
    engage quotes personal SLUG ANSWER

The work is done by bot.deliberation.moderation (the console calls the same functions);
every decision is in the audit log.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(text, 92, initial_indent=indent, subsequent_indent=indent)


def queue_lines(session, slug: str, step_id: str | None) -> list[str]:
    from bot.deliberation import moderation

    waiting = [p for p in moderation.queue(session, slug) if step_id in (None, p.step_id)]
    waiting.sort(key=lambda p: (not p.flags, p.response_id))  # flagged ones first
    out = [f"Open answers waiting for review: {slug} ({len(waiting)})",
           "Phone numbers, emails and postcodes are masked here too.", ""]
    if not waiting:
        out.append("Nothing is waiting.")
    for item in waiting:
        flags = f"  FLAGGED: {', '.join(item.flags)}" if item.flags else ""
        out.append(f"#{item.response_id}  {item.step_title} ({item.step_id}), "
                   f"[{item.language}]{flags}")
        out += _wrap(item.text)
    if waiting:
        out += ["", f"Approve with `engage quotes approve {slug} ID` (add --text \"...\" to "
                "shorten or redact it), or `reject` / `personal`."]
    return out


def cmd_quotes_queue(args: argparse.Namespace) -> int:
    from bot.deliberation.themes import ThemeError
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            lines = queue_lines(session, args.campaign, args.step)
    except ThemeError as error:
        return fail(str(error))
    print("\n".join(lines))
    return EXIT_OK


def cmd_quotes_reviewed(args: argparse.Namespace) -> int:
    from bot.deliberation import moderation
    from bot.deliberation.themes import ThemeError
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            done = moderation.reviewed(session, args.campaign)
    except ThemeError as error:
        return fail(str(error))
    print(f"Open answers reviewed: {args.campaign} ({len(done)})")
    for item in done:
        print(f"#{item.response_id}  {item.status_words}, by {item.reviewed_by} on "
              f"{item.reviewed_at:%d %b %Y %H:%M} UTC; {item.step_id} [{item.language}]")
        print("\n".join(_wrap(item.text)))
        if item.quoted is not None and item.quoted != item.text:
            print("\n".join(_wrap(f"quoted as: {item.quoted}")))
        for code, words in sorted(item.translations.items()):
            print("\n".join(_wrap(f"in {code}: {words}")))
    return EXIT_OK


def _translations(pairs: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs or []:
        code, sep, words = pair.partition("=")
        if not sep or not code.strip() or not words.strip():
            raise ValueError(f"--translation '{pair}' should look like cy=\"the words in "
                             "Welsh\".")
        found[code.strip().lower()] = words
    return found


def _decide(args: argparse.Namespace, decision: str) -> int:
    from bot import audit
    from bot.deliberation import moderation
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            if decision == moderation.APPROVED:
                row = moderation.approve(session, args.campaign, args.answer, audit.actor(),
                                         text=args.text,
                                         translations=_translations(args.translation),
                                         checked=args.checked)
            elif decision == moderation.REJECTED:
                row = moderation.reject(session, args.campaign, args.answer, audit.actor())
            else:
                row = moderation.mark_personal(session, args.campaign, args.answer,
                                               audit.actor())
            words = row.text
    except (moderation.ModerationError, ValueError) as error:
        return fail(f"{error} Nothing was changed.")
    if decision == moderation.APPROVED:
        print(f"Answer {args.answer} is approved for quoting as: {words}")
        print("It may now be shown to other residents (reflect steps with quotes) and on the "
              "public results page when it is next published.")
    else:
        print(f"Answer {args.answer}: {moderation.STATUS_WORDS[decision]}. It is never quoted.")
    return EXIT_OK


def register(subparsers: Any) -> None:
    quotes = subparsers.add_parser(
        "quotes", help="Moderate open answers: approve for quoting, reject, mark personal.",
        description="Open answers are private until staff approve them; only approved "
        "quotes are shown to other residents or the public.")
    sub = quotes.add_subparsers(dest="quotes_command", required=True)
    queue = command(sub, "queue", cmd_quotes_queue,
                     "List the open answers waiting for review (flagged ones first).",
                     "engage quotes queue buses-2026")
    queue.add_argument("campaign", help="campaign id, e.g. buses-2026")
    queue.add_argument("step", nargs="?", help="only this open question (e.g. fix.why)")
    listed = command(sub, "list", cmd_quotes_queue, "The same as `engage quotes queue`.",
                      "engage quotes list buses-2026")
    listed.add_argument("campaign")
    listed.add_argument("step", nargs="?")
    done = command(sub, "reviewed", cmd_quotes_reviewed,
                    "List the answers already reviewed, and what was decided.",
                    "engage quotes reviewed buses-2026")
    done.add_argument("campaign")
    approve = command(sub, "approve", lambda a: _decide(a, "approved"),
                       "Approve an answer for quoting, as written or in words you give.",
                       "engage quotes approve buses-2026 101\n"
                       "  engage quotes approve buses-2026 117 --redacted \"The bus to the "
                       "hospital is always late\" --translation cy=\"Mae'r bws yn hwyr\"")
    approve.add_argument("campaign")
    approve.add_argument("answer", type=int, help="the answer's id (from `engage quotes queue`)")
    approve.add_argument("--text", "--redacted", dest="text", metavar="WORDS",
                         help="quote these words instead (shortened or redacted; at most "
                              "160 characters)")
    approve.add_argument("--translation", action="append", metavar="LANG=WORDS",
                         help="your translation for residents of another language (repeat "
                              "for more)")
    approve.add_argument("--checked", action="store_true",
                         help="the screen flagged it, but you have read it and it names nobody")
    reject = command(sub, "reject", lambda a: _decide(a, "rejected"),
                      "Reject an answer: it is never quoted.", "engage quotes reject buses-2026 101")
    reject.add_argument("campaign")
    reject.add_argument("answer", type=int)
    personal = command(sub, "personal", lambda a: _decide(a, "personal"),
                        "Mark an answer as containing personal details: it is never quoted.",
                        "engage quotes personal buses-2026 101")
    personal.add_argument("campaign")
    personal.add_argument("answer", type=int)
