"""The console's pages as staff use them: sign in with a one-time password, choose a password,
manage accounts, read the audit log; plain words on every refusal and error page."""

from __future__ import annotations

import re
from datetime import datetime

from console_helpers import (
    PASSWORD,
    add_member,
    audit_rows,
    csrf_of,
    open_session_for,
    sign_in,
)
from starlette.testclient import TestClient

from bot import audit
from bot.console import ConsoleSettings, create_app
from bot.staff import accounts
from bot.store.db import session_factory, transaction
from bot.store.models import StaffAccount

NEW_PASSWORD = "tulip garden bicycle"


def one_time_password_in(html: str) -> str:
    return re.search(r"<code>([a-z0-9-]{19})</code>", html).group(1)


def test_first_sign_in_with_a_one_time_password_forces_a_new_password(client, db):
    with transaction(db) as session:
        first = accounts.add(session, "alex@council.example", "admin", "engage run")
    response = sign_in(client, "alex@council.example", first.one_time_password, next_path="/staff")
    assert response.headers["location"] == "/account/password"
    for path in ("/", "/staff", "/audit"):  # nothing else until the password is changed
        assert client.get(path).headers["location"] == "/account/password"
    page = client.get("/account/password")
    assert "You signed in with a one-time password" in page.text
    response = client.post("/account/password", data={
        "csrf_token": csrf_of(page.text), "current": first.one_time_password,
        "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.headers["location"] == "/?done=password-changed"
    home = client.get(response.headers["location"])
    assert "Your new password is saved." in home.text
    assert [row[1] for row in audit_rows(db)] == ["staff-add", "sign-in", "password-change"]


def test_a_refused_password_change_says_why_and_keeps_the_old_one(client, db, clock):
    member = add_member(db, "officer", "sam@council.example", must_change=True)
    token = open_session_for(client, db, member, clock())
    response = client.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "new": "short", "repeat": "short"})
    assert response.status_code == 400
    assert "<title>Error: Choose a new password" in response.text
    assert "at least 12 characters" in response.text
    with transaction(db) as session:
        assert session.get(StaffAccount, member).must_change_password


def test_sign_in_refusal_is_plain_and_throttled_after_five(client, db):
    add_member(db, "officer", "sam@council.example")
    for _ in range(5):
        response = sign_in(client, "sam@council.example", "not it")
        assert response.status_code == 400
        assert "do not match an account that can sign in" in response.text
        assert 'value="sam@council.example"' in response.text  # typed email kept; password not
    response = sign_in(client, "sam@council.example", PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts. Wait 15 minutes" in response.text


def test_sign_out_ends_the_session(client, db, clock):
    token = open_session_for(client, db, add_member(db, "viewer"), clock())
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.headers["location"] == "/sign-in?done=signed-out"
    assert "You have signed out." in client.get(response.headers["location"]).text
    assert client.get("/").status_code == 303


def test_home_says_what_to_do_next_and_shows_each_role_its_areas(client, db, clock):
    expectations = {
        "admin": (["Staff accounts", "Audit log", "Contacts"], ["Campaigns"], "Add an account"),
        "officer": (["Campaigns", "Audit log", "Contacts"], ["Staff accounts"],
                    "Open Campaigns to upload"),
        "viewer": (["Results"], ["Staff accounts", "Audit log", "Campaigns", "Contacts"],
                   "Open Results"),
    }
    for role, (links, absent, next_step) in expectations.items():
        client.cookies.clear()
        open_session_for(client, db, add_member(db, role), clock())
        html = client.get("/").text
        assert "What to do next" in html and next_step in html
        nav = re.search(r'<nav aria-label="Main".*?</nav>', html, re.S).group(0)
        for label in links:
            assert f">{label}</a>" in nav
        for label in absent:
            assert label not in nav
        assert "Coming soon" not in html  # every area is ready


def test_add_an_account_shows_its_one_time_password_once(client, db, clock):
    token = open_session_for(client, db, add_member(db, "admin", "alex@council.example"), clock())
    response = client.post("/staff/new", data={"csrf_token": token, "email": "Kim@Council.Example",
                                               "name": "Kim Lee", "role": "officer"})
    assert response.status_code == 200
    password = one_time_password_in(response.text)
    assert "kim@council.example can now sign in as engagement officer" in response.text
    assert password not in client.get("/staff").text
    assert audit_rows(db)[-1] == ("alex@council.example", "staff-add", "kim@council.example")
    with TestClient(client.app, follow_redirects=False) as kim:
        assert sign_in(kim, "kim@council.example", password).headers["location"] == \
            "/account/password"


def test_adding_an_existing_email_keeps_the_form_and_says_why(client, db, clock):
    token = open_session_for(client, db, add_member(db, "admin", "alex@council.example"), clock())
    response = client.post("/staff/new", data={"csrf_token": token, "email": "alex@council.example",
                                               "name": "Alex Again", "role": "viewer"})
    assert response.status_code == 400
    assert "already has an account" in response.text and 'value="Alex Again"' in response.text


def test_change_role_disable_enable_and_reset_from_the_list(client, db, clock):
    admin = add_member(db, "admin", "alex@council.example")
    sam = add_member(db, "viewer", "sam@council.example")
    token = open_session_for(client, db, admin, clock())
    steps = [(f"/staff/{sam}/role", {"role": "officer"}, "The role was changed."),
             (f"/staff/{sam}/disable", {}, "The account is disabled"),
             (f"/staff/{sam}/enable", {}, "The account can sign in again.")]
    for path, form, notice in steps:
        response = client.post(path, data={"csrf_token": token, **form})
        assert response.status_code == 303
        assert notice in client.get(response.headers["location"]).text
    response = client.post(f"/staff/{sam}/reset-password", data={"csrf_token": token})
    assert "The old password of sam@council.example no longer works" in response.text
    one_time_password_in(response.text)
    with transaction(db) as session:
        row = session.get(StaffAccount, sam)
        assert (row.role, row.disabled_at, row.must_change_password) == ("officer", None, True)
    assert [(who, what) for who, what, _ in audit_rows(db)] == [
        ("alex@council.example", action) for action in
        ("staff-role", "staff-disable", "staff-enable", "staff-password-reset")]


def test_a_role_change_applies_at_the_next_click(client, db, clock, app):
    admin = add_member(db, "admin", "alex@council.example")
    sam = add_member(db, "admin", "sam@council.example")
    token = open_session_for(client, db, admin, clock())
    with TestClient(app, follow_redirects=False) as sams_browser:
        open_session_for(sams_browser, db, sam, clock())
        assert sams_browser.get("/staff").status_code == 200
        client.post(f"/staff/{sam}/role", data={"csrf_token": token, "role": "viewer"})
        assert sams_browser.get("/staff").status_code == 403


def test_service_refusals_show_on_the_list_page(client, db, clock):
    admin = add_member(db, "admin", "alex@council.example")
    token = open_session_for(client, db, admin, clock())
    response = client.post(f"/staff/{admin}/disable", data={"csrf_token": token})
    assert response.status_code == 400
    assert "You cannot disable your own account" in response.text
    assert client.post("/staff/9999/role", data={"csrf_token": token, "role": "viewer"}
                       ).status_code == 400
    assert client.post(f"/staff/{admin}/role", data={"csrf_token": token, "role": "boss"}
                       ).status_code == 400


def add_audit(db, at, actor, action, subject=None):
    with transaction(db) as session:
        audit.record(session, action, subject, {"format": "csv"}, who=actor).at = at


def test_audit_log_filters_by_action_actor_and_date(client, db, clock):
    open_session_for(client, db, add_member(db, "officer", "sam@council.example"), clock())
    add_audit(db, datetime(2026, 11, 1, 10), "kim@council.example", "export", "buses-2026")
    add_audit(db, datetime(2026, 11, 3, 10), "lee", "launch", "parks-2026")
    add_audit(db, datetime(2026, 11, 5, 23, 59), "kim@council.example", "launch", "buses-2026")
    page = client.get("/audit")
    assert page.status_code == 200
    assert page.text.count("<tr>") == 4  # a header row and three entries
    assert '<option value="launch">Launched a campaign</option>' in page.text

    def subjects(query: str) -> list[str]:
        html = client.get(f"/audit?{query}").text
        return re.findall(r"<td data-label=\"About\">((?:buses|parks)-2026)</td>", html)

    assert subjects("action=launch") == ["buses-2026", "parks-2026"]
    assert subjects("actor=KIM") == ["buses-2026", "buses-2026"]
    assert subjects("from=2026-11-02&to=2026-11-05") == ["buses-2026", "parks-2026"]
    assert subjects("to=2026-11-01") == ["buses-2026"]
    assert subjects("actor=%25") == []  # a wildcard is just a character here


def test_audit_log_explains_bad_filters(client, db, clock):
    open_session_for(client, db, add_member(db, "admin"), clock())
    response = client.get("/audit?from=yesterday&page=0")
    assert response.status_code == 400
    assert "must be a date like 2026-11-01" in response.text
    assert "page number must be a whole number" in response.text
    assert client.get("/audit/entries?from=nonsense").status_code == 400


def test_audit_log_pages_through_older_entries(client, db, clock):
    open_session_for(client, db, add_member(db, "admin"), clock())
    for number in range(105):
        add_audit(db, datetime(2026, 11, 1, 0, number // 60, number % 60), "kim", "export")
    first = client.get("/audit?action=export").text
    assert first.count("<tr>") == 101 and 'href="/audit?action=export&amp;page=2"' in first
    second = client.get("/audit?action=export&page=2").text
    assert second.count("<tr>") == 6 and "Newer entries" in second and "Older entries" not in second


def test_the_polled_fragment_shows_new_entries(client, db, clock):
    open_session_for(client, db, add_member(db, "admin"), clock())
    page = client.get("/audit").text
    url = re.search(r'data-poll="([^"]+)"', page).group(1).replace("&amp;", "&")
    add_audit(db, clock(), "kim@council.example", "close", "buses-2026")
    fragment = client.get(url)
    assert "Closed a campaign" in fragment.text and "<html" not in fragment.text


def test_error_pages_in_plain_words(client, db, clock):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text and "Go to the home page" in missing.text
    assert client.delete("/staff").status_code == 405
    open_session_for(client, db, add_member(db, "viewer"), clock())
    refused = client.get("/staff")
    assert "Your role (Viewer) does not include this page" in refused.text
    assert "ask an administrator" in refused.text


def test_health_says_when_the_database_is_unreachable(tmp_path, clock):
    broken = session_factory(f"sqlite:///{tmp_path}/missing/dir/engage.db")
    with TestClient(create_app(ConsoleSettings(), broken, clock=clock)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "database unreachable"}
