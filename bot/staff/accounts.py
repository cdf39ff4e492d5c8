"""Staff accounts: add, list, change role, disable and enable, reset and change passwords.

Every change is written to the audit log with the acting staff member (`actor`) in the same
transaction. New and reset accounts get a one-time password, returned once to be shown once:
the member must choose their own at first sign-in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import audit
from bot.staff import StaffError
from bot.staff.passwords import (
    check_new_password,
    hash_password,
    one_time_password,
    verify_password,
)
from bot.staff.roles import ADMIN, LABELS, check_role
from bot.store.models import StaffAccount, StaffSession, StaffSignInFailure, utcnow

MAX_EMAIL, MAX_NAME = 128, 100
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class Member:
    """A staff account as the front ends show it: never the password hash."""

    id: int
    email: str
    display_name: str
    role: str
    must_change_password: bool
    disabled: bool
    created_at: datetime

    @property
    def role_label(self) -> str:
        return LABELS.get(self.role, self.role)

    @property
    def status(self) -> str:
        if self.disabled:
            return "Disabled"
        return "Must choose a new password" if self.must_change_password else "Active"


@dataclass(frozen=True)
class NewPassword:
    """A member and the one-time password to give them; shown once, stored only hashed."""

    member: Member
    one_time_password: str


def member_of(row: StaffAccount) -> Member:
    return Member(id=row.id, email=row.email, display_name=row.display_name, role=row.role,
                  must_change_password=row.must_change_password,
                  disabled=row.disabled_at is not None, created_at=row.created_at)


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch).startswith("C") for ch in text)


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not value:
        raise StaffError("Enter an email address, like name@council.gov.uk.")
    if len(value) > MAX_EMAIL:
        raise StaffError(f"That email address is too long ({MAX_EMAIL} characters at most).")
    if not EMAIL_SHAPE.match(value) or not _printable(value):
        raise StaffError("That is not an email address. Write it like name@council.gov.uk.")
    return value


def _display_name(name: str | None, email: str) -> str:
    value = " ".join((name or "").split())
    if not value:
        return email.split("@")[0]
    if len(value) > MAX_NAME:
        raise StaffError(f"That name is too long ({MAX_NAME} characters at most).")
    if not _printable(value):
        raise StaffError("That name has characters that cannot be shown. Type it again.")
    return value


def _row(session: Session, account_id: int) -> StaffAccount:
    row = session.get(StaffAccount, account_id)
    if row is None:
        raise StaffError("There is no such staff account. It may have been removed.")
    return row


def _row_by_email(session: Session, email: str) -> StaffAccount:
    address = normalise_email(email)
    row = session.query(StaffAccount).filter_by(email=address).one_or_none()
    if row is None:
        raise StaffError(f"No staff account has the email address {address}. "
                         "See `engage staff list`.")
    return row


def count(session: Session) -> int:
    return session.query(StaffAccount).count()


def list_members(session: Session) -> list[Member]:
    rows = session.query(StaffAccount).order_by(StaffAccount.disabled_at.isnot(None),
                                                StaffAccount.email)
    return [member_of(row) for row in rows]


def get_member(session: Session, account_id: int) -> Member:
    return member_of(_row(session, account_id))


def add(session: Session, email: str, role: str, actor: str,
        display_name: str | None = None) -> NewPassword:
    address = normalise_email(email)
    role = check_role(role)
    name = _display_name(display_name, address)
    if session.query(StaffAccount).filter_by(email=address).count():
        raise StaffError(f"{address} already has an account. To let them in again, reset "
                         "their password instead.")
    password = one_time_password()
    row = StaffAccount(email=address, display_name=name, role=role,
                       password_hash=hash_password(password), must_change_password=True)
    session.add(row)
    session.flush()
    audit.record(session, "staff-add", address, {"role": role}, who=actor)
    return NewPassword(member_of(row), password)


def _active_admins(session: Session) -> int:
    return session.query(StaffAccount).filter_by(role=ADMIN, disabled_at=None).count()


def _keep_an_admin(session: Session, row: StaffAccount) -> None:
    if row.role == ADMIN and row.disabled_at is None and _active_admins(session) <= 1:
        raise StaffError(f"{row.email} is the only active administrator. Make someone else "
                         "an administrator first, so that someone can still manage accounts.")


def change_role(session: Session, account_id: int, role: str, actor: str) -> Member:
    row = _row(session, account_id)
    role = check_role(role)
    if role == row.role:
        return member_of(row)
    if role != ADMIN:
        _keep_an_admin(session, row)
    before, row.role = row.role, role
    audit.record(session, "staff-role", row.email, {"from": before, "to": role}, who=actor)
    return member_of(row)


def end_sessions(session: Session, account_id: int) -> int:
    return session.query(StaffSession).filter_by(account_id=account_id).delete()


def disable(session: Session, account_id: int, actor: str,
            now: datetime | None = None) -> Member:
    """Disabled members cannot sign in, and are signed out everywhere at once."""
    row = _row(session, account_id)
    if row.disabled_at is not None:
        return member_of(row)
    if row.email == actor:
        raise StaffError("You cannot disable your own account. Ask another administrator.")
    _keep_an_admin(session, row)
    row.disabled_at = now or utcnow()
    ended = end_sessions(session, row.id)
    audit.record(session, "staff-disable", row.email, {"sessions_ended": ended}, who=actor)
    return member_of(row)


def enable(session: Session, account_id: int, actor: str) -> Member:
    row = _row(session, account_id)
    if row.disabled_at is None:
        return member_of(row)
    row.disabled_at = None
    audit.record(session, "staff-enable", row.email, {}, who=actor)
    return member_of(row)


def reset_password(session: Session, actor: str, account_id: int | None = None,
                   email: str | None = None) -> NewPassword:
    """A new one-time password; the old one stops working and every session ends."""
    row = _row(session, account_id) if account_id is not None else _row_by_email(session, email or "")
    password = one_time_password()
    row.password_hash = hash_password(password)
    row.must_change_password = True
    end_sessions(session, row.id)
    session.query(StaffSignInFailure).filter_by(email=row.email).delete()
    audit.record(session, "staff-password-reset", row.email, {}, who=actor)
    return NewPassword(member_of(row), password)


def change_password(session: Session, account_id: int, current: str, new: str, repeated: str,
                    now: datetime | None = None, keep_session: int | None = None) -> Member:
    """The member's own change (forced after a one-time password). Their other sessions end,
    all but `keep_session` (the one they are changing it in)."""
    row = _row(session, account_id)
    if not verify_password(current or "", row.password_hash):
        raise StaffError("Your current password is not right. Type it again.")
    check_new_password(new or "", repeated or "", row.email)
    if new == current:
        raise StaffError("Choose a new password that is different from the current one.")
    row.password_hash = hash_password(new)
    row.must_change_password = False
    row.password_changed_at = now or utcnow()
    others = session.query(StaffSession).filter(StaffSession.account_id == row.id)
    if keep_session is not None:
        others = others.filter(StaffSession.id != keep_session)
    others.delete()
    audit.record(session, "password-change", row.email, {}, who=row.email)
    return member_of(row)
