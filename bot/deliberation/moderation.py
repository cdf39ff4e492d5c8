"""Moderation of open answers: private by default; staff approve an answer for quoting
(optionally shortened or redacted, with translations they write), reject it, or mark it as
containing personal details. A personal-data screen (phone numbers, emails, full postcodes,
names) flags answers before anyone approves: a flagged answer is approved only as words
staff give that pass the screen, or when staff say they checked it.

Only approved answers of Agreed residents (bot.stages) can be shown to other residents or
the public (`approved_quotes`): a resident who later withdraws takes their quotes with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import audit
from bot.deliberation.themes import ThemeError, answers, open_steps
from bot.errors import StaffError
from bot.privacy.screen import review_flags, screen
from bot.store.models import Participant, QuoteReview, Response, utcnow

APPROVED, REJECTED, PERSONAL = "approved", "rejected", "personal"
STATUS_WORDS = {APPROVED: "approved for quoting", REJECTED: "rejected",
                PERSONAL: "contains personal details"}
MAX_QUOTE = 160  # characters: a quote must fit beside the tallies in one or two SMS


class ModerationError(StaffError):
    """A mistake in what staff asked for; nothing was changed."""


@dataclass
class Pending:
    response_id: int
    step_id: str
    step_title: str
    text: str  # phone numbers, emails and postcodes masked even here
    language: str
    flags: tuple[str, ...]


@dataclass
class Quote:
    response_id: int
    pseudonym: str
    step_id: str
    text: str  # in `language`, personal details masked
    language: str
    translations: dict[str, str] = field(default_factory=dict)
    participant_id: int = 0

    def in_language(self, language: str) -> str | None:
        """The quote in a resident's language: as written, or staff's translation."""
        return self.text if language == self.language else self.translations.get(language)


def queue(session: Session, slug: str) -> list[Pending]:
    """Every open answer used (Agreed residents, three letters or more) not yet reviewed."""
    reviewed = {rid for (rid,) in session.query(QuoteReview.response_id)}
    out = []
    for step_id, step_title in open_steps(session, slug):
        for response in answers(session, slug, step_id):
            if response.id not in reviewed:
                out.append(Pending(response.id, step_id, step_title,
                                   screen(str(response.value)).text, response.language,
                                   review_flags(str(response.value))))
    return out


def _answer(session: Session, slug: str, response_id: int) -> Response:
    for step_id, _ in open_steps(session, slug):
        for response in answers(session, slug, step_id):
            if response.id == response_id:
                return response
    raise ModerationError(f"answer {response_id} is not an open answer of {slug} that is "
                          "used (only Agreed residents' answers can be quoted). See "
                          f"`engage quotes queue {slug}`.")


def _review(session: Session, slug: str, response: Response, status: str, by: str,
            **values) -> QuoteReview:
    """Store staff's decision (a new one replaces the last) and record it in the audit log
    ("quote-approve", "quote-reject", "quote-personal"; never the words themselves)."""
    row = session.query(QuoteReview).filter_by(response_id=response.id).one_or_none()
    before = None if row is None else row.status
    if row is None:
        row = QuoteReview(response_id=response.id, status=status, reviewed_by=by)
        session.add(row)
    row.status, row.reviewed_by, row.reviewed_at = status, by, utcnow()
    row.text, row.translations = values.get("text"), values.get("translations")
    row.flags = list(review_flags(str(response.value)))
    session.flush()
    action = {APPROVED: "quote-approve", REJECTED: "quote-reject", PERSONAL: "quote-personal"}
    details = {"answer": response.id, "step": response.step_id, "before": before}
    if status == APPROVED:
        details.update(own_words=values.get("text") == " ".join(str(response.value).split()),
                       translations=sorted(values.get("translations") or {}))
    audit.record(session, action[status], slug, details, who=by)
    return row


def approve(session: Session, slug: str, response_id: int, by: str, text: str | None = None,
            translations: Mapping[str, str] | None = None, checked: bool = False) -> QuoteReview:
    """Approve an answer for quoting, as its own words or as `text` (shortened or redacted by
    staff). Refused while the words to show are flagged, unless staff `checked` them."""
    response = _answer(session, slug, response_id)
    words = " ".join((text if text is not None else str(response.value)).split())
    if not words:
        raise ModerationError("the words to quote are empty.")
    if len(words) > MAX_QUOTE:
        raise ModerationError(f"a quote is at most {MAX_QUOTE} characters (this is "
                              f"{len(words)}): give a shorter one with --text.")
    flags = review_flags(words)
    if flags and not checked:
        raise ModerationError(f"the screen found what may be personal details ("
                              f"{', '.join(flags)}): give redacted words with --text, mark "
                              "it as personal, or add --checked if you have read it and it "
                              "names nobody.")
    clean = {str(k): " ".join(str(v).split()) for k, v in (translations or {}).items()
             if str(v).strip()}
    for language, words_there in clean.items():
        if len(words_there) > MAX_QUOTE or (review_flags(words_there) and not checked):
            raise ModerationError(f"the {language} translation is too long or flagged.")
    return _review(session, slug, response, APPROVED, by, text=words,
                   translations=clean or None)


def reject(session: Session, slug: str, response_id: int, by: str) -> QuoteReview:
    return _review(session, slug, _answer(session, slug, response_id), REJECTED, by)


def mark_personal(session: Session, slug: str, response_id: int, by: str) -> QuoteReview:
    return _review(session, slug, _answer(session, slug, response_id), PERSONAL, by)


@dataclass
class Reviewed:
    """An answer staff have decided on, and what they decided."""

    response_id: int
    step_id: str
    step_title: str
    text: str  # the answer as written, masked
    language: str
    status: str
    quoted: str | None  # the approved words (masked), if approved
    translations: dict[str, str]
    reviewed_by: str
    reviewed_at: object
    flags: tuple[str, ...]

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)


def reviewed(session: Session, slug: str) -> list[Reviewed]:
    """Every used open answer staff have decided on, newest decision first (a decision can
    be changed: approve a rejected one, or reject one approved before)."""
    titles = dict(open_steps(session, slug))
    used = {r.id: r for step_id in titles for r in answers(session, slug, step_id)}
    rows = (session.query(QuoteReview).filter(QuoteReview.response_id.in_(list(used)))
            .order_by(QuoteReview.reviewed_at.desc(), QuoteReview.id.desc()).all())
    out = []
    for row in rows:
        response = used[row.response_id]
        out.append(Reviewed(response.id, response.step_id, titles[response.step_id],
                            screen(str(response.value)).text, response.language, row.status,
                            screen(row.text).text if row.status == APPROVED and row.text
                            else None,
                            {k: screen(v).text for k, v in (row.translations or {}).items()},
                            row.reviewed_by, row.reviewed_at,
                            review_flags(str(response.value))))
    return out


def approved_quotes(session: Session, slug: str, step_id: str | None = None) -> list[Quote]:
    """Approved quotes of Agreed residents (of one question, or all), oldest answer first;
    masked once more by the screen, whatever staff typed."""
    try:
        steps = [s for s, _ in open_steps(session, slug) if step_id in (None, s)]
    except ThemeError:
        return []
    used = {r.id: r for s in steps for r in answers(session, slug, s)}
    if not used:
        return []
    rows = (session.query(QuoteReview, Participant.pseudonym, Participant.id)
            .join(Response, Response.id == QuoteReview.response_id)
            .join(Participant, Participant.id == Response.participant_id)
            .filter(QuoteReview.status == APPROVED, QuoteReview.response_id.in_(list(used)))
            .order_by(QuoteReview.response_id).all())
    out = []
    for review, pseudonym, participant_id in rows:
        response = used[review.response_id]
        out.append(Quote(response.id, pseudonym, response.step_id,
                         screen(review.text or str(response.value)).text, response.language,
                         {k: screen(v).text for k, v in (review.translations or {}).items()},
                         participant_id))
    return out
