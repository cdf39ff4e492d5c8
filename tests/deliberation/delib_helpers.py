"""A database with the deliberation campaign published and answers stored as the
conversation service stores them (Agreed residents unless said otherwise)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.campaigns.publishing import publish_files
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from bot.store.models import CampaignVersion, Participant, Response, utcnow

DATA = Path(__file__).parent / "data"
CAMPAIGN = DATA / "deliberation.yml"
SLUG = "delib-test"


def make_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    publish_files([str(CAMPAIGN)], url)
    return url


def factory(url: str):
    return session_factory(url)


def resident(session, name: str, answers: dict, language: str = "en",
             consent: str = "given", status: str = "completed", channel: str = "rest",
             when=None) -> Participant:
    """One resident's participation and answers ({step id: value}), as stored."""
    version = session.query(CampaignVersion).filter_by(slug=SLUG).order_by(
        CampaignVersion.version.desc()).first()
    moment = when or utcnow()
    participant = Participant(pseudonym=name, campaign_id=version.id, channel=channel,
                              language=language, phase="completed" if status == "completed"
                              else "in_step", consent=consent, status=status,
                              state={"phase": "completed", "language": language,
                                     "answers": dict(answers), "consent_given": True},
                              started_at=moment - timedelta(minutes=5), last_message_at=moment,
                              completed_at=moment if status == "completed" else None)
    session.add(participant)
    session.flush()
    for step_id, value in answers.items():
        session.add(Response(participant_id=participant.id, campaign_id=version.id,
                             step_id=step_id, raw_text=str(value), value=value,
                             language=language, answered_at=moment))
    session.flush()
    return participant
