"""Campaign files saved in the console: uploaded or edited in the browser, checked on every
save, and kept as drafts until they are published.

The check is `engage campaign check`'s (bot.campaigns.check), against the live campaigns'
keywords. Only a file without errors is stored; a save with errors changes nothing and
returns every problem with its line, so staff fix it and save again. Warnings never stop a
save. The draft keeps the text as staff wrote it, comments included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import yaml
from sqlalchemy.orm import Session

from bot import audit
from bot.campaigns import publishing
from bot.campaigns.check import check_analysis
from bot.campaigns.loader import MAX_FILE_BYTES, analyse
from bot.campaigns.model import Campaign
from bot.campaigns.problems import CampaignInvalid, Problem
from bot.errors import StaffError
from bot.store.models import CampaignDraft, CampaignVersion
from bot.store.repository import CampaignRepository, PublishResult

MAX_UPLOAD_BYTES = MAX_FILE_BYTES
BOM = "\ufeff"


class CampaignFileError(StaffError):
    """An upload that is not a campaign file at all (too big, not text); nothing changed."""


@dataclass
class Checked:
    """What the check found in one text: the campaign (when it has no errors) and every
    problem, errors first, each with its line."""

    text: str
    campaign: Campaign | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


@dataclass
class Saved:
    checked: Checked
    slug: str | None = None  # None: not saved (it has errors)
    created: bool = False  # a campaign id seen for the first time

    @property
    def stored(self) -> bool:
        return self.slug is not None


def read_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (a byte-order mark is dropped), at most
    MAX_UPLOAD_BYTES; CampaignFileError in plain words otherwise."""
    if not data.strip():
        raise CampaignFileError("The file is empty. Choose the campaign file (a .yml file) "
                                "and upload it again.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise CampaignFileError(
            f"The file is {len(data) / 1_000_000:.1f} MB; a campaign file is at most "
            f"{MAX_UPLOAD_BYTES // 1_000_000} MB (the examples are under 15 KB). Is this the "
            "right file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CampaignFileError(
            f"The file is not UTF-8 text (the first problem is on line {line}). Is it the "
            "campaign file? If it is, save it as UTF-8 (in most editors: Save as, then "
            "Encoding: UTF-8) and upload it again.") from None
    return normalise(text)


def normalise(text: str) -> str:
    """One kind of line ending and no byte-order mark, so lines count as editors count them."""
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")


def live_campaigns(session: Session) -> list[Campaign]:
    return [Campaign.from_dict(row.definition)
            for row in CampaignRepository(session).live_versions()]


def check_text(session: Session, text: str) -> Checked:
    """`engage campaign check` on this text, with the live campaigns' keywords."""
    analysis = analyse(normalise(text), live_campaigns(session), is_text=True)
    return Checked(text, analysis.campaign, check_analysis(analysis))


def save(session: Session, text: str, actor: str, now: datetime) -> Saved:
    """Check the text and, only when it has no errors, keep it as its campaign's draft."""
    checked = check_text(session, text)
    if checked.campaign is None:
        return Saved(checked)
    slug = checked.campaign.id
    draft = session.query(CampaignDraft).filter_by(slug=slug).one_or_none()
    known = draft is not None or session.query(CampaignVersion.id).filter_by(
        slug=slug).first() is not None
    if draft is None:
        draft = CampaignDraft(slug=slug, source="", saved_by=actor, saved_at=now)
        session.add(draft)
    draft.source, draft.saved_by, draft.saved_at = normalise(text), actor, now
    session.flush()
    audit.record(session, "campaign-save", slug, {"warnings": len(checked.warnings)},
                 who=actor)
    return Saved(checked, slug, created=not known)


def draft_campaign(draft: CampaignDraft) -> Campaign | None:
    """The campaign a stored draft describes (it had no errors when it was saved)."""
    return analyse(draft.source, is_text=True).campaign


def source_for(session: Session, slug: str) -> str | None:
    """The text to edit: the saved draft, else the newest published version written out as
    YAML (a file published with `engage campaign publish` keeps no comments in the
    database). None when there is no such campaign."""
    draft = session.query(CampaignDraft).filter_by(slug=slug).one_or_none()
    if draft is not None:
        return draft.source
    row = CampaignRepository(session).latest(slug)
    if row is None:
        return None
    return yaml.safe_dump(row.definition, allow_unicode=True, sort_keys=False, width=88)


def campaign_to_preview(session: Session, slug: str) -> tuple[Campaign, str] | None:
    """What to preview: the saved draft while it has changes not yet published, else the
    newest published version; with words saying which it is. None: no such campaign."""
    draft = session.query(CampaignDraft).filter_by(slug=slug).one_or_none()
    row = CampaignRepository(session).latest(slug)
    if draft is not None and (row is None or draft.published_at is None
                              or draft.saved_at > draft.published_at):
        campaign = draft_campaign(draft)
        if campaign is not None:
            saved = draft.saved_at.strftime("%Y-%m-%d %H:%M")
            return campaign, f"the draft saved {saved} UTC by {draft.saved_by} (not published)"
    if row is None:
        return None
    return Campaign.from_dict(row.definition), f"version {row.version}, as published"


@dataclass(frozen=True)
class Plan:
    """What publishing the saved draft would do, in staff's words."""

    result: PublishResult
    campaign: Campaign
    warnings: int

    @property
    def words(self) -> str:
        version = self.result.version
        if self.result.action == "unchanged":
            return (f"The saved draft is the same as version {version}, which is already "
                    "published: there is nothing to publish.")
        if self.result.action == "updated":
            return (f"Version {version} is changed in place: no resident has taken part in it "
                    "yet, so nobody sees two versions.")
        if version == 1:
            return ("It becomes version 1, and is live at once: anyone who texts one of its "
                    "keywords takes part.")
        return (f"Residents have taken part in version {version - 1}, so this becomes version "
                f"{version}. Residents part-way through carry on in version {version - 1}; "
                "everyone who starts from now gets the new one. Results count both.")


def _publishable(session: Session, slug: str) -> tuple[CampaignDraft, Campaign, Checked]:
    draft = session.query(CampaignDraft).filter_by(slug=slug).one_or_none()
    if draft is None:
        raise StaffError(f"There is no saved draft of {slug} to publish. Edit the campaign "
                         "file and save it first.")
    checked = check_text(session, draft.source)
    if checked.campaign is None:  # e.g. a live campaign took one of its keywords since
        raise CampaignInvalid(checked.errors)
    return draft, checked.campaign, checked


def publish_plan(session: Session, slug: str) -> Plan:
    """What publishing would do, changing nothing; StaffError or CampaignInvalid when it
    cannot be published."""
    _, campaign, checked = _publishable(session, slug)
    return Plan(publishing.would_publish(session, campaign), campaign, len(checked.warnings))


def publish_draft(session: Session, slug: str, actor: str, now: datetime) -> PublishResult:
    """Publish the saved draft (bot.campaigns.publishing), in the caller's transaction.
    A version changed in place loses staff's test conversations in it (they began on the
    old text)."""
    from bot import simulator  # late: the simulator reads these campaigns too

    draft, campaign, _ = _publishable(session, slug)
    result = publishing.publish(session, campaign)
    if result.action == "updated":
        simulator.delete_tests_of(session, slug)
    draft.published_version, draft.published_at = result.version, now
    audit.record(session, "publish", slug, {"version": result.version,
                                            "action": result.action}, who=actor)
    return result
