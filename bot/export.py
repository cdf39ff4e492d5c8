"""Exports for the engagement team: pseudonyms and answers only, never contact details."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.csvcells import safe_writer
from bot.store.repository import CampaignRepository, ParticipantRepository, ResponseRepository

FORMATS = ("jsonl", "csv")


class UnknownCampaign(LookupError):
    pass


def export_status(status: str) -> str:
    """A refusal ends taking part, like an opt-out; the consent field tells them apart."""
    return "opted_out" if status == "declined" else status


def answer_columns(campaign: Campaign) -> list[str]:
    columns: list[str] = []
    for step in campaign.steps:
        if step.type == "info":
            continue
        columns.append(step.id)
        if step.type == "choice" and step.why:
            columns.append(f"{step.id}.why")
    return columns


def records(session: Session, slug: str) -> Iterator[dict[str, Any]]:
    if CampaignRepository(session).latest(slug) is None:
        raise UnknownCampaign(f"No campaign called '{slug}' has been published.")
    responses = ResponseRepository(session)
    for participant in ParticipantRepository(session).for_campaign(slug):
        answers = {r.step_id: (None if r.skipped else r.value)
                   for r in responses.for_participant(participant.id)}
        yield {
            "participant": participant.pseudonym,
            "campaign_version": participant.campaign.version,
            "channel": participant.channel,
            "language": participant.language,
            "consent": participant.consent,
            "status": export_status(participant.status),
            "started_at": participant.started_at.isoformat(timespec="seconds") + "Z",
            "answers": answers,
        }


def to_jsonl(session: Session, slug: str) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in records(session, slug))


def _cell(answers: dict[str, Any], step_id: str) -> str:
    if step_id not in answers:
        return ""
    value = answers[step_id]
    if value is None:
        return "(skipped)"
    if isinstance(value, list):
        return ">".join(str(v) for v in value)
    return str(value)


def to_csv(session: Session, slug: str) -> str:
    latest = CampaignRepository(session).latest(slug)
    if latest is None:
        raise UnknownCampaign(f"No campaign called '{slug}' has been published.")
    steps = answer_columns(Campaign.from_dict(latest.definition))
    fixed = ["participant", "campaign_version", "channel", "language", "consent", "status",
             "started_at"]
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(fixed + steps)
    for row in records(session, slug):
        writer.writerow([row[name] for name in fixed] + [_cell(row["answers"], s) for s in steps])
    return out.getvalue()
