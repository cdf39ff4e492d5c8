"""Exports for the engagement team: pseudonyms and answers only, never contact details.

One row per Agreed resident (`bot.stages`): consent given and not withdrawn, by their latest
participation. Residents who withdrew (STOP), said no or never agreed are left out entirely,
as in results and reach: the ICO treats withdrawing consent as stopping the use of their
answers, and an export is a use.

Personal details residents typed into answers (phone numbers, email addresses, full
postcodes) are masked, and the `personal_details` column says which answer had what, so the
team knows an answer was edited. The stored answer itself is unchanged (`bot.privacy.screen`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.campaigns.versions import versions
from bot.privacy.screen import screen
from bot.reports import staff_words
from bot.reports.csvcells import safe_writer
from bot.reports.filtering import AnswerFilter
from bot.stages import AGREED, BY_KEY, FINISHED, WITHDRAWN_RULE, counted, stages_of
from bot.store.repository import ResponseRepository

FORMATS = ("jsonl", "csv")
FIXED = ["participant", "campaign_version", "channel", "language", "status", "started_at",
         "last_message_at"]
DETAILS = "personal_details"
THEMES = "themes"  # each open answer's theme (bot.deliberation.themes), by column


def export_status(consent: str, status: str) -> str:
    """Finished or Still answering: the Agreed stage a resident is in, in staff words."""
    stages = stages_of(consent, status, None)
    return FINISHED.name if FINISHED.key in stages else BY_KEY[stages[-1]].name


def answer_columns(campaign: Campaign) -> list[str]:
    columns: list[str] = []
    for step in campaign.steps:
        if step.type == "info":
            continue
        columns.append(step.id)
        if step.type == "choice" and step.why:
            columns.append(f"{step.id}.why")
    return columns


def _screened(answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Answers with personal details masked, and what was found in which answer."""
    masked: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    for step_id, value in answers.items():
        if isinstance(value, str):
            result = screen(value)
            value = result.text
            if result.found:
                found[step_id] = list(result.found)
        masked[step_id] = value
    return masked, found


def _moment(value) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def records(session: Session, slug: str,
            only: AnswerFilter | None = None) -> Iterator[dict[str, Any]]:
    latest = versions(session, slug)[-1]
    columns = answer_columns(Campaign.from_dict(latest.definition))
    place = {step_id: number for number, step_id in enumerate(columns)}
    responses = ResponseRepository(session)
    from bot.deliberation.themes import themes_by_response

    theme_of = themes_by_response(session, slug)
    for participant in counted(session, slug, only):
        given = sorted(responses.for_participant(participant.id),
                       key=lambda r: (place.get(r.step_id, len(place)), r.id))
        answers, found = _screened({r.step_id: (None if r.skipped else r.value) for r in given})
        yield {
            "participant": participant.pseudonym,
            "campaign_version": participant.campaign.version,
            "channel": staff_words.channel(participant.channel),
            "language": participant.language,
            "status": export_status(participant.consent, participant.status),
            "started_at": _moment(participant.started_at),
            "last_message_at": _moment(participant.last_message_at),
            "answers": answers,
            DETAILS: found,
            THEMES: {r.step_id: theme_of[r.id] for r in given if r.id in theme_of},
        }


def to_jsonl(session: Session, slug: str, only: AnswerFilter | None = None) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n"
                   for row in records(session, slug, only))


def _cell(answers: dict[str, Any], step_id: str) -> str:
    if step_id not in answers:
        return ""
    value = answers[step_id]
    if value is None:
        return "(skipped)"
    if isinstance(value, list):
        return ">".join(str(v) for v in value)
    return str(value)


def details_cell(found: dict[str, list[str]]) -> str:
    """'ideas: phone number; travel_mode.why: full postcode', or empty."""
    return "; ".join(f"{step_id}: {', '.join(kinds)}" for step_id, kinds in found.items())


def themes_cell(themes: dict[str, str]) -> str:
    """'ideas: Parking at the hospital; fix.why: bus, buses', or empty."""
    return "; ".join(f"{step_id}: {name}" for step_id, name in themes.items())


def to_csv(session: Session, slug: str, only: AnswerFilter | None = None) -> str:
    latest = versions(session, slug)[-1]
    steps = answer_columns(Campaign.from_dict(latest.definition))
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(FIXED + steps + [DETAILS, THEMES])
    for row in records(session, slug, only):
        writer.writerow([row[name] or "" for name in FIXED]
                        + [_cell(row["answers"], s) for s in steps]
                        + [details_cell(row[DETAILS]), themes_cell(row[THEMES])])
    return out.getvalue()


ABOUT = [
    f"One row per resident who agreed: {AGREED.meaning}.",
    WITHDRAWN_RULE,
    "Phone numbers, email addresses and full postcodes that residents typed into answers are "
    "masked (the postcode district is kept); the personal_details column says which answer "
    "had what.",
    "Residents are known by a pseudonym only, never a phone number or chat id.",
]


def written(count: int, output: str) -> str:
    """What the export command says once it has written a file: how many, and who counts."""
    return (f"Wrote {count} resident(s) who agreed ({AGREED.meaning}) to {output}. "
            f"{WITHDRAWN_RULE} Personal details typed into answers are masked; see the "
            f"{DETAILS} column.")


def count_rows(text: str, export_format: str) -> int:
    if export_format == "csv":
        return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)
    return sum(1 for line in text.splitlines() if line.strip())
