"""`engage public`: the public results page, from a terminal (the console does the same on
its "Sharing results" pages).

    engage public publish SLUG --what-next next.yml [--dry-run]
    engage public unpublish SLUG
    engage public export SLUG --folder DIR        printable copies, one file per language
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail

WHAT_NEXT_HELP = ("a YAML file with \"what happens next\" in each language, one line each, "
                  "like  en: We will decide in March.  (the campaign's first language is "
                  "needed; others fall back to it)")


def cmd_public_publish(args: argparse.Namespace) -> int:
    from bot.deliberation import public
    from bot.deliberation.texts import TextsError, read_texts
    from bot.store.db import transaction
    from bot.store.models import PublicQuote

    try:
        texts = read_texts(args.what_next)
        if args.dry_run:
            session = factory()()
            try:
                content = public.build(session, args.campaign, texts)
                quotes = public.choose_quotes(session, args.campaign, content)
            finally:
                session.rollback()
                session.close()
        else:
            with transaction(factory()) as session:
                row = public.publish(session, args.campaign, texts)
                content = row.content
                quotes = session.query(PublicQuote).filter_by(public_result_id=row.id).all()
    except (public.PublishError, TextsError) as error:
        return fail(f"{error} Nothing was published.")
    shown = sum(not q["suppressed"] for q in content["questions"])
    verb = "Would publish" if args.dry_run else "Published"
    print(f"{verb} the results page of {args.campaign}: {shown} of "
          f"{len(content['questions'])} questions shown (the others had fewer than 5 "
          f"answers), {len(quotes)} approved quotes, in {', '.join(content['languages'])}.")
    if args.dry_run:
        print("Dry run: nothing was published.")
    else:
        print(f"Anyone can read it at /p/{args.campaign} on the console's address "
              "(ENGAGE_PUBLIC_URL). Publish again to bring the figures up to date.")
    return EXIT_OK


def cmd_public_unpublish(args: argparse.Namespace) -> int:
    from bot.deliberation import public
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            public.unpublish(session, args.campaign)
    except public.PublishError as error:
        return fail(str(error))
    print(f"The results page of {args.campaign} is taken down; its address says it is not "
          "published.")
    return EXIT_OK


def cmd_public_export(args: argparse.Namespace) -> int:
    from bot.console.public_render import render
    from bot.deliberation import public
    from bot.store.db import transaction

    folder = Path(args.folder)
    if not folder.is_dir():
        return fail(f"{folder} is not a folder: make it first, or choose another.")
    with transaction(factory()) as session:
        first = public.page(session, args.campaign)
        if first is None:
            return fail(f"{args.campaign} has no published results page: publish it first "
                         f"(`engage public publish {args.campaign} --what-next FILE`).")
        pages = [public.page(session, args.campaign, code) for code, _ in first.languages]
    name = args.campaign
    written = []
    for page in pages:
        path = folder / f"{name}.{page.language}.html"
        path.write_text(render(page, lambda code: f"{name}.{code}.html", standalone=True),
                        encoding="utf-8")
        written.append(path.name)
    print(f"Wrote {len(written)} page(s) to {folder}: {', '.join(written)}. Each prints well "
          "and opens without the console.")
    print("These files are copies: erasure cannot reach them. Export again after an erasure "
          "or a changed decision, and delete the old copies.")
    return EXIT_OK


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "public", help="The public results page: publish, take down, printable copies.",
        description="Publish a campaign's results on a public page (no sign-in), take it "
        "down, or write printable copies.")
    sub = group.add_subparsers(dest="public_command", required=True)
    publish = command(sub, "publish", cmd_public_publish,
                       "Publish (or publish again) the campaign's public results page.",
                       "engage public publish buses-2026 --what-next next.yml --dry-run")
    publish.add_argument("campaign", help="campaign id, e.g. buses-2026")
    publish.add_argument("--what-next", required=True, metavar="FILE", help=WHAT_NEXT_HELP)
    publish.add_argument("--dry-run", action="store_true",
                         help="say what would be published, and publish nothing")
    unpublish = command(sub, "unpublish", cmd_public_unpublish,
                         "Take the public results page down.",
                         "engage public unpublish buses-2026")
    unpublish.add_argument("campaign")
    export = command(sub, "export", cmd_public_export,
                      "Write the published page as files, one per language, that print well.",
                      "engage public export buses-2026 --folder results/")
    export.add_argument("campaign")
    export.add_argument("--folder", required=True, help="an existing folder to write into")
