"""The staff-account service both front ends call: plain refusals, nothing changed by a
refusal, every change audited with who made it. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from console_helpers import PASSWORD, add_member, audit_rows

from bot.staff import StaffError, accounts
from bot.staff.passwords import verify_password
from bot.store.db import session_factory, transaction
from bot.store.models import StaffAccount, StaffSession


@pytest.fixture
def factory(db_url):
    return session_factory(db_url)


def test_add_normalises_the_email_hashes_a_one_time_password_and_audits(factory):
    with transaction(factory) as session:
        result = accounts.add(session, "  Sam.Jones@Council.Example ", "officer", "alex@council.example",
                              display_name="  Sam   Jones ")
    member = result.member
    assert (member.email, member.display_name, member.role) == (
        "sam.jones@council.example", "Sam Jones", "officer")
    assert member.must_change_password and member.status == "Must choose a new password"
    with transaction(factory) as session:
        row = session.query(StaffAccount).one()
        assert result.one_time_password not in row.password_hash
        assert verify_password(result.one_time_password, row.password_hash)
    assert audit_rows(factory) == [("alex@council.example", "staff-add", "sam.jones@council.example")]


@pytest.mark.parametrize("email, role, name, message", [
    ("", "viewer", None, "Enter an email address"),
    ("not-an-email", "viewer", None, "is not an email address"),
    ("a\x00b@council.example", "viewer", None, "is not an email address"),
    ("x" * 120 + "@council.example", "viewer", None, "too long"),
    ("sam@council.example", "boss", None, "'boss' is not a role"),
    ("sam@council.example", "viewer", "n" * 101, "name is too long"),
    ("sam@council.example", "viewer", "Sam\u202eevil", "cannot be shown"),
])
def test_add_refuses_bad_input_and_stores_nothing(factory, email, role, name, message):
    with pytest.raises(StaffError, match=message), transaction(factory) as session:
        accounts.add(session, email, role, "alex", display_name=name)
    with transaction(factory) as session:
        assert accounts.count(session) == 0
    assert audit_rows(factory) == []


def test_an_email_has_one_account(factory):
    add_member(factory, "viewer", "sam@council.example")
    with pytest.raises(StaffError, match="already has an account"), transaction(factory) as session:
        accounts.add(session, "SAM@council.example", "admin", "alex")


def test_the_last_active_administrator_cannot_be_demoted_or_disabled(factory):
    admin = add_member(factory, "admin", "alex@council.example")
    with pytest.raises(StaffError, match="only active administrator"), transaction(factory) as session:
        accounts.change_role(session, admin, "viewer", "someone@council.example")
    with pytest.raises(StaffError, match="only active administrator"), transaction(factory) as session:
        accounts.disable(session, admin, "someone@council.example")
    second = add_member(factory, "admin", "kim@council.example")
    with transaction(factory) as session:
        assert accounts.change_role(session, admin, "officer", "kim@council.example").role == "officer"
    with pytest.raises(StaffError, match="only active administrator"), transaction(factory) as session:
        accounts.change_role(session, second, "viewer", "alex@council.example")
    assert audit_rows(factory) == [("kim@council.example", "staff-role", "alex@council.example")]


def test_nobody_disables_their_own_account(factory):
    add_member(factory, "admin", "alex@council.example")
    kim = add_member(factory, "admin", "kim@council.example")
    with pytest.raises(StaffError, match="your own account"), transaction(factory) as session:
        accounts.disable(session, kim, "kim@council.example")


def test_disable_ends_every_session_and_enable_lets_them_back(factory, clock):
    from bot.staff.sessions import SessionPolicy, open_session

    add_member(factory, "admin", "alex@council.example")
    sam = add_member(factory, "officer", "sam@council.example")
    with transaction(factory) as session:
        row = session.get(StaffAccount, sam)
        open_session(session, row, clock(), SessionPolicy())
        open_session(session, row, clock(), SessionPolicy())
    with transaction(factory) as session:
        assert accounts.disable(session, sam, "alex@council.example").disabled
    with transaction(factory) as session:
        assert session.query(StaffSession).count() == 0
        assert accounts.enable(session, sam, "alex@council.example").status == "Active"
    assert [row[1] for row in audit_rows(factory)] == ["staff-disable", "staff-enable"]


def test_reset_password_replaces_it_with_a_one_time_password(factory):
    sam = add_member(factory, "officer", "sam@council.example")
    with transaction(factory) as session:
        result = accounts.reset_password(session, "alex", email="Sam@Council.Example")
    with transaction(factory) as session:
        row = session.get(StaffAccount, sam)
        assert row.must_change_password
        assert verify_password(result.one_time_password, row.password_hash)
        assert not verify_password(PASSWORD, row.password_hash)
    with pytest.raises(StaffError, match="No staff account has the email"), \
            transaction(factory) as session:
        accounts.reset_password(session, "alex", email="nobody@council.example")


def test_change_password_checks_the_current_one_and_clears_the_one_time_flag(factory):
    sam = add_member(factory, "officer", "sam@council.example", must_change=True)
    with pytest.raises(StaffError, match="current password is not right"), \
            transaction(factory) as session:
        accounts.change_password(session, sam, "wrong", "tulip garden bicycle", "tulip garden bicycle")
    with pytest.raises(StaffError, match="different from the current"), \
            transaction(factory) as session:
        accounts.change_password(session, sam, PASSWORD, PASSWORD, PASSWORD)
    with transaction(factory) as session:
        member = accounts.change_password(session, sam, PASSWORD, "tulip garden bicycle",
                                          "tulip garden bicycle")
    assert not member.must_change_password
    assert audit_rows(factory) == [("sam@council.example", "password-change", "sam@council.example")]
