"""Twilio delivery reports: the last word on a message we handed over.

Called by the status-callback webhook once it has checked the signature. Reports arrive out of
order and more than once; only final ones (delivered, undelivered, failed) change the row, and
a final status is never overwritten. ErrorCode 21610 means the resident opted out at Twilio
(STOP), which the bot honours too.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.store.models import Contact, OutboxMessage, utcnow
from bot.store.outbox import DELIVERED, FAILED, UNDELIVERED, by_provider_id

FINAL = {"delivered": DELIVERED, "read": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED}
UNSUBSCRIBED = 21610
TWILIO_ERRORS = {
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered by the carrier",
    30008: "Unknown error",
    63016: "WhatsApp: outside the 24-hour window, and not a template",
}


def apply_status(session: Session, provider_message_id: str, status: str,
                 error_code: int | str | None = None) -> OutboxMessage | None:
    """Record a status report; returns the row, or None when it is unknown (or erased)."""
    row = by_provider_id(session, provider_message_id)
    if row is None:
        return None
    code = _code(error_code)
    if code == UNSUBSCRIBED:
        session.query(Contact).filter(Contact.pseudonym == row.pseudonym,
                                      Contact.opted_out_at.is_(None)).update(
            {"opted_out_at": utcnow()}, synchronize_session=False)
    final = FINAL.get((status or "").strip().lower())
    if final is None or row.status in FINAL.values():
        return row
    row.status = final
    if final != DELIVERED:
        row.last_error = describe(code) if code else f"Twilio reported {status}"
    row.updated_at = utcnow()
    return row


def describe(code: int) -> str:
    return f"Twilio {code}: {TWILIO_ERRORS.get(code, 'see https://www.twilio.com/docs/errors/' + str(code))}"


def _code(error_code: int | str | None) -> int | None:
    try:
        return int(error_code) if error_code not in (None, "") else None
    except (TypeError, ValueError):
        return None
