"""Signing in: one refusal for every reason, throttling per email and per client address,
sessions kept only as hashes, idle and absolute expiry on a movable clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_helpers import PASSWORD, add_member, audit_rows

from bot.staff import sessions
from bot.staff.sessions import REFUSED, Refused, SessionPolicy, SignedIn
from bot.store.db import transaction
from bot.store.models import StaffSession, StaffSignInFailure

POLICY = SessionPolicy()


def attempt(db, email, password, clock, client="10.0.0.1"):
    with transaction(db) as session:
        return sessions.sign_in(session, email, password, client, clock(), POLICY)


def test_sign_in_opens_a_session_stored_only_as_a_hash(db, clock):
    add_member(db, "officer", "sam@council.example")
    outcome = attempt(db, " SAM@council.example", PASSWORD, clock)
    assert isinstance(outcome, SignedIn)
    with transaction(db) as session:
        record = session.query(StaffSession).one()
        assert record.token_hash == sessions.token_hash(outcome.token) != outcome.token
        assert record.expires_at == clock() + POLICY.lifetime
    assert audit_rows(db) == [("sam@council.example", "sign-in", "sam@council.example")]


def test_wrong_password_unknown_email_and_disabled_account_read_the_same(db, clock):
    add_member(db, "officer", "sam@council.example")
    add_member(db, "viewer", "gone@council.example", disabled=True)
    outcomes = [attempt(db, "sam@council.example", "wrong password", clock),
                attempt(db, "nobody@council.example", PASSWORD, clock),
                attempt(db, "gone@council.example", PASSWORD, clock)]
    assert [o.message for o in outcomes] == [REFUSED] * 3
    assert all(isinstance(o, Refused) and not o.throttled for o in outcomes)
    with transaction(db) as session:
        assert session.query(StaffSession).count() == 0
    # Refusals of real accounts are audited; the unknown email is not written there.
    assert audit_rows(db) == [("sam@council.example", "sign-in-refused", "sam@council.example"),
                              ("gone@council.example", "sign-in-refused", "gone@council.example")]


def test_five_failures_for_one_email_make_it_wait_even_with_the_right_password(db, clock):
    add_member(db, "officer", "sam@council.example")
    for number in range(5):
        assert attempt(db, "sam@council.example", f"guess {number}", clock,
                       client=f"10.0.0.{number}").message == REFUSED
        clock.advance(minutes=1)
    throttled = attempt(db, "sam@council.example", PASSWORD, clock, client="10.9.9.9")
    assert throttled.throttled
    assert throttled.message == "Too many sign-in attempts. Wait 10 minutes, then try again."
    clock.advance(minutes=9, seconds=59)
    assert attempt(db, "sam@council.example", PASSWORD, clock).throttled
    clock.advance(seconds=1)  # the first failure has left the 15-minute window
    assert isinstance(attempt(db, "sam@council.example", PASSWORD, clock), SignedIn)
    with transaction(db) as session:  # success forgets the email's failures
        assert session.query(StaffSignInFailure).filter_by(email="sam@council.example").count() == 0


def test_five_failures_from_one_client_make_it_wait_for_any_email(db, clock):
    add_member(db, "officer", "sam@council.example")
    for number in range(5):
        attempt(db, f"guess{number}@council.example", "password guess", clock, client="10.6.6.6")
    throttled = attempt(db, "sam@council.example", PASSWORD, clock, client="10.6.6.6")
    assert throttled.throttled and "Wait 15 minutes" in throttled.message
    assert isinstance(attempt(db, "sam@council.example", PASSWORD, clock, client="10.1.1.1"),
                      SignedIn)


def test_the_wait_reads_the_same_for_an_email_without_an_account(db, clock):
    add_member(db, "officer", "sam@council.example")
    for email in ("sam@council.example", "nobody@council.example"):
        for number in range(5):
            attempt(db, email, f"guess {number}", clock, client=f"{email}-{number}")
    known = attempt(db, "sam@council.example", "x", clock, client="elsewhere")
    unknown = attempt(db, "nobody@council.example", "x", clock, client="elsewhere 2")
    assert known.message == unknown.message and known.throttled and unknown.throttled


def test_throttled_attempts_are_not_counted_or_checked(db, clock):
    add_member(db, "officer", "sam@council.example")
    for number in range(5):
        attempt(db, "sam@council.example", f"guess {number}", clock, client=str(number))
    for _ in range(20):
        attempt(db, "sam@council.example", "more guesses", clock, client="other")
    with transaction(db) as session:
        assert session.query(StaffSignInFailure).count() == 5


def signed_in_token(db, clock) -> str:
    add_member(db, "officer", "sam@council.example")
    return attempt(db, "sam@council.example", PASSWORD, clock).token


def current(db, token, clock, touch=True):
    with transaction(db) as session:
        return sessions.current(session, token, clock(), POLICY, touch=touch)


def test_a_session_ends_after_thirty_idle_minutes(db, clock):
    token = signed_in_token(db, clock)
    clock.advance(minutes=29, seconds=59)
    assert current(db, token, clock).member.email == "sam@council.example"
    clock.advance(minutes=29, seconds=59)  # active a moment ago: still signed in
    assert current(db, token, clock) is not None
    clock.advance(minutes=30)
    assert current(db, token, clock) is None
    with transaction(db) as session:
        assert session.query(StaffSession).count() == 0


def test_background_polling_does_not_keep_a_session_alive(db, clock):
    token = signed_in_token(db, clock)
    for _ in range(4):
        clock.advance(minutes=10)
        if current(db, token, clock, touch=False) is None:
            break
    assert current(db, token, clock, touch=False) is None


def test_a_busy_session_still_ends_after_its_lifetime(db, clock):
    token = signed_in_token(db, clock)
    for _ in range(12 * 6 - 1):
        clock.advance(minutes=10)
        assert current(db, token, clock) is not None
    clock.advance(minutes=10)
    assert current(db, token, clock) is None


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-real-token-at-all-000000000"])
def test_unknown_tokens_sign_nobody_in(db, clock, token):
    signed_in_token(db, clock)
    assert current(db, token, clock) is None


def test_sign_out_ends_the_session_and_is_audited(db, clock):
    token = signed_in_token(db, clock)
    with transaction(db) as session:
        assert sessions.sign_out(session, token) == "sam@council.example"
    assert current(db, token, clock) is None
    assert audit_rows(db)[-1] == ("sam@council.example", "sign-out", "sam@council.example")


def test_policy_lengths_come_from_settings(db, clock):
    from bot.console.settings import ConsoleSettings

    settings = ConsoleSettings.from_env({"ENGAGE_CONSOLE_IDLE_MINUTES": "5",
                                         "ENGAGE_CONSOLE_SESSION_HOURS": "2"})
    assert settings.sessions.idle == timedelta(minutes=5)
    assert settings.sessions.lifetime == timedelta(hours=2)
    with pytest.raises(ValueError, match="ENGAGE_CONSOLE_IDLE_MINUTES must be a whole number"):
        ConsoleSettings.from_env({"ENGAGE_CONSOLE_IDLE_MINUTES": "soon"})
