"""`engage campaign close SLUG`: stop a campaign taking new residents.

Residents part-way through may finish; anyone who texts the keyword afterwards is told kindly
that it has closed and what happens with the results.
"""

from __future__ import annotations

import argparse

from bot.cli import EXIT_OK, _command, _factory, _fail
from bot.commands import campaign_commands

CLOSED = "closed"


def close_campaign(session, slug: str) -> tuple[int, bool]:
    """Close every version of `slug`: (number of versions, whether it was already closed).
    Raises LookupError for an unknown campaign, changing nothing."""
    from bot import audit
    from bot.store.models import CampaignVersion

    rows = session.query(CampaignVersion).filter_by(slug=slug).all()
    if not rows:
        raise LookupError(slug)
    already = all(row.status == CLOSED for row in rows)
    for row in rows:
        row.status = CLOSED
    audit.record(session, "close", slug, {"versions": len(rows), "already_closed": already})
    return len(rows), already


def cmd_campaign_close(args: argparse.Namespace) -> int:
    from bot.store.db import transaction

    slug = args.slug.strip()
    try:
        with transaction(_factory()) as session:
            versions, already = close_campaign(session, slug)
    except LookupError:
        return _fail(f"no campaign called '{slug}'. See `engage campaign list`.")
    if already:
        print(f"{slug} was already closed.")
    else:
        print(f"Closed {slug} ({versions} version(s)). Residents part-way through may finish; "
              "anyone who texts its keyword now is told it has closed.")
    return EXIT_OK


def register(subparsers) -> None:
    campaign = campaign_commands(subparsers)
    where, example = (campaign, "engage campaign close buses-2026") if campaign is not None \
        else (subparsers, "engage close buses-2026")
    parser = _command(where, "close", cmd_campaign_close,
                      "Close a campaign: no new residents; those part-way through may finish.",
                      example)
    parser.add_argument("slug", help="the campaign id, e.g. buses-2026 (see `engage campaign list`)")
