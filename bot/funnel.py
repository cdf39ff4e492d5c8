"""The funnel of a campaign: who was invited, reached, started, agreed, finished or left, and
where those still answering have got to. Counts only, never pseudonyms.

Invitations (queued, sent, delivered, failed, with reasons) come from bot.invitation_status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.invitation_status import InvitationCounts, invitation_counts, invitation_lines
from bot.store.models import CampaignVersion, ConsentRecord, Participant

STAGES = ("started", "consented", "declined", "completed", "opted_out", "in_progress")
STAGE_WORDS = {
    "started": "started (texted the keyword or answered an invitation)",
    "consented": "agreed to take part",
    "declined": "said no to taking part",
    "completed": "answered to the end",
    "opted_out": "stopped (STOP) part-way",
    "in_progress": "still answering",
}
WAITING = {"choosing_language": "choosing a language", "awaiting_consent": "deciding on consent"}


class UnknownCampaign(LookupError):
    pass


@dataclass
class Funnel:
    slug: str
    title: str
    versions: list[int]
    invitations: InvitationCounts = field(default_factory=InvitationCounts)
    totals: Counter = field(default_factory=Counter)
    by_channel: dict[str, Counter] = field(default_factory=dict)
    by_language: dict[str, Counter] = field(default_factory=dict)
    waiting_at: list[tuple[str, int]] = field(default_factory=list)  # where, how many


def _stages(participant: Participant, consented: set[int]) -> list[str]:
    stages = ["started"]
    if participant.id in consented:
        stages.append("consented")
    if participant.status in ("declined", "completed", "opted_out", "in_progress"):
        stages.append(participant.status)
    return stages


def collect(session: Session, slug: str) -> Funnel:
    rows = (session.query(CampaignVersion).filter_by(slug=slug)
            .order_by(CampaignVersion.version).all())
    if not rows:
        raise UnknownCampaign(f"No campaign called '{slug}' has been published. "
                              "See `engage campaign list`.")
    campaign = Campaign.from_dict(rows[-1].definition)
    ids = [row.id for row in rows]
    funnel = Funnel(slug=slug, title=campaign.title.get(campaign.default_language, slug),
                    versions=[row.version for row in rows])
    funnel.invitations = invitation_counts(session, ids)
    consented = {pid for (pid,) in session.query(ConsentRecord.participant_id)
                 .filter(ConsentRecord.campaign_id.in_(ids), ConsentRecord.decision == "given")}
    order = {step.id: number for number, step in enumerate(campaign.steps)}
    waiting: Counter = Counter()
    for participant in (session.query(Participant).filter(Participant.campaign_id.in_(ids))
                        .order_by(Participant.id)):
        stages = _stages(participant, consented)
        funnel.totals.update(stages)
        funnel.by_channel.setdefault(participant.channel, Counter()).update(stages)
        funnel.by_language.setdefault(participant.language, Counter()).update(stages)
        if participant.status == "in_progress":
            waiting[_where(participant)] += 1
    funnel.waiting_at = sorted(waiting.items(), key=lambda item: _place(item[0], order))
    return funnel


def _where(participant: Participant) -> str:
    state = participant.state or {}
    phase = state.get("phase") or participant.phase
    if phase in WAITING:
        return WAITING[phase]
    step = state.get("step_id") or "?"
    return f"{step}.why" if phase == "awaiting_why" else step


def _place(where: str, order: dict[str, int]) -> tuple[int, str]:
    if where == WAITING["choosing_language"]:
        return (-2, where)
    if where == WAITING["awaiting_consent"]:
        return (-1, where)
    return (order.get(where.split(".")[0], len(order)), where)


def render_text(funnel: Funnel) -> str:
    out = [f"Status: {funnel.title} ({funnel.slug}), versions "
           f"{', '.join(map(str, funnel.versions))}", ""]
    out += invitation_lines(funnel.invitations)
    out += ["", "Residents"]
    for stage in STAGES:
        out.append(f"  {str(funnel.totals.get(stage, 0)).rjust(5)}  {STAGE_WORDS[stage]}")
    for title, groups in (("By channel", funnel.by_channel), ("By language", funnel.by_language)):
        out += ["", title]
        if not groups:
            out.append("  nobody yet")
            continue
        names = sorted(groups)
        width = max(len(n) for n in names + ["stage"])
        out.append("  " + "stage".ljust(12) + "".join(n.rjust(width + 2) for n in names))
        for stage in STAGES:
            out.append("  " + stage.ljust(12)
                       + "".join(str(groups[n].get(stage, 0)).rjust(width + 2) for n in names))
    out += ["", "Where residents still answering have got to"]
    if not funnel.waiting_at:
        out.append("  nobody is part-way")
    for where, count in funnel.waiting_at:
        out.append(f"  {str(count).rjust(5)}  {where}")
    return "\n".join(out)
