"""What protects every page: security headers, CSRF on every POST, cookie flags, body size
limits, hostile input (huge fields, invalid UTF-8, header injection), no inline code."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from console_helpers import (
    PASSWORD,
    SESSION_COOKIE,
    add_member,
    audit_rows,
    csrf_of,
    open_session_for,
    sign_in,
)
from starlette.testclient import TestClient

from bot.console import ConsoleSettings, create_app
from bot.staff.sessions import SessionPolicy
from bot.store.db import transaction
from bot.store.models import StaffAccount


def admin_client(client, db, clock) -> str:
    return open_session_for(client, db, add_member(db, "admin", "alex@council.example"), clock())


@pytest.mark.parametrize("path", ["/sign-in", "/health", "/static/console.css", "/nowhere",
                                  "/staff"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in response.headers
    if not path.startswith("/static/"):
        assert response.headers["cache-control"] == "no-store"


def test_security_headers_on_the_500_page(db, clock):
    app = create_app(ConsoleSettings(), db, clock=lambda: 1 / 0)  # every request fails
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert response.headers["x-frame-options"] == "DENY"


def test_an_unexpected_error_is_logged_without_its_message(db, caplog):
    caplog.set_level(logging.INFO)

    def clock():  # the number is computed, so the traceback's source line does not hold it
        raise ValueError(f"the number +{4477009 * 100000 + 123} was in this message")

    with TestClient(create_app(ConsoleSettings(), db, clock=clock),
                    raise_server_exceptions=False) as client:
        assert client.get("/?phone=07700900123").status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records
                        if record.name.startswith("bot.console"))
    assert "Unexpected ValueError on GET /" in logged and "GET / 500" in logged
    assert "7700900123" not in logged


PAGES_AS_ADMIN = ["/", "/staff", "/staff/new", "/audit", "/account/password", "/nowhere"]


def test_no_page_has_inline_scripts_styles_or_handlers(client, db, clock):
    pages = [client.get("/sign-in").text]
    admin_client(client, db, clock)
    pages += [client.get(path).text for path in PAGES_AS_ADMIN]
    for html in pages:
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        assert "<style" not in html and " style=" not in html
        assert re.findall(r"\son[a-z]+=", html) == []


def test_cookies_are_httponly_samesite_and_secure_only_on_https(db, clock):
    add_member(db, "officer", "sam@council.example")
    for public_url, secure in (("http://console.local", False), ("https://engage.example", True)):
        app = create_app(ConsoleSettings(public_url=public_url), db, clock=clock)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            response = sign_in(client, "sam@council.example")
        assert response.status_code == 303
        cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
        session = next(c for c in cookies if (("__Host-" if secure else "") + SESSION_COOKIE) in c)
        assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
        assert ("Secure" in session) == secure


def test_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(client, db, clock):
    token = admin_client(client, db, clock)
    target = add_member(db, "viewer", "sam@council.example")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": token[:-1] + "x"},
                 {"csrf_token": "x" * 10_000}):
        response = client.post(f"/staff/{target}/disable", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    with transaction(db) as session:
        assert session.get(StaffAccount, target).disabled_at is None
    assert audit_rows(db) == []


def test_a_csrf_token_from_another_session_is_refused(client, db, clock, app):
    admin_client(client, db, clock)
    other_admin = add_member(db, "admin", "kim@council.example")
    with TestClient(app) as other:
        other_token = open_session_for(other, db, other_admin, clock())
    response = client.post(f"/staff/{other_admin}/disable", data={"csrf_token": other_token})
    assert response.status_code == 403


def test_sign_in_needs_the_form_cookie_token(client, db):
    add_member(db, "officer", "sam@council.example")
    response = client.post("/sign-in", data={"email": "sam@council.example",
                                             "password": PASSWORD, "csrf_token": "x" * 40})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_only_pages_set_the_form_cookie(client):
    assert "set-cookie" not in client.get("/health").headers
    assert "engage_console_form=" in client.get("/sign-in").headers["set-cookie"]
    assert "set-cookie" not in client.get("/sign-in").headers  # kept, not replaced


def test_a_stolen_cookie_stops_working_after_sign_out(client, db, clock, app):
    token = admin_client(client, db, clock)
    cookie = client.cookies[SESSION_COOKIE]
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 303
    with TestClient(app, follow_redirects=False) as thief:
        thief.cookies.set(SESSION_COOKIE, cookie)
        response = thief.get("/staff")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_idle_session_sends_the_member_to_sign_in_with_a_reason(client, db, clock):
    admin_client(client, db, clock)
    assert client.get("/staff").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/staff")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fstaff&ended=1"
    assert 'engage_console=""' in response.headers["set-cookie"]  # the dead cookie is removed
    page = client.get(response.headers["location"])
    assert "You were signed out" in page.text


def test_idle_length_is_the_settings(db, clock):
    settings = ConsoleSettings(sessions=SessionPolicy(idle=timedelta(minutes=5)))
    app = create_app(settings, db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        open_session_for(client, db, add_member(db, "admin"), clock(), settings.sessions)
        clock.advance(minutes=4)
        assert client.get("/").status_code == 200
        clock.advance(minutes=5)
        assert client.get("/").status_code == 303


def test_polling_a_fragment_is_not_activity(client, db, clock):
    admin_client(client, db, clock)
    for _ in range(2):
        clock.advance(minutes=10)
        assert client.get("/audit/entries").status_code == 200
    clock.advance(minutes=10)  # 30 minutes since the member last did anything
    assert client.get("/audit/entries").status_code == 401


def test_body_over_the_limit_is_refused_with_413(db, clock):
    settings = ConsoleSettings(max_body_bytes=10_000)
    app = create_app(settings, db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        token = admin_client(client, db, clock)
        declared = client.post("/staff/new", data={"csrf_token": token, "email": "x" * 20_000})
        assert declared.status_code == 413 and "That is too large" in declared.text

        def chunks():  # no Content-Length: counted while it is read
            yield f"csrf_token={token}&email=".encode()
            for _ in range(30):
                yield b"x" * 1000

        streamed = client.post("/staff/new", content=chunks(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert streamed.status_code == 413
        upload = client.post("/staff/new", data={"csrf_token": token},
                             files={"file": ("big.csv", b"a,b\n" * 5000, "text/csv")})
        assert upload.status_code == 413
    with transaction(db) as session:
        assert session.query(StaffAccount).count() == 1


def test_a_bad_content_length_is_refused(client):
    response = client.post("/sign-in", content=b"email=x", headers={"content-length": "abc"})
    assert response.status_code == 400


def test_huge_fields_under_the_limit_get_a_plain_answer(client, db, clock):
    token = admin_client(client, db, clock)
    response = client.post("/staff/new", data={"csrf_token": token, "email": "a" * 500_000 +
                                                "@council.example", "role": "viewer",
                                                "name": "n" * 500_000})
    assert response.status_code == 400
    assert "too long" in response.text
    assert len(response.text) < 50_000  # the huge value is not echoed back



def test_a_huge_password_is_refused_plainly(client, db):
    add_member(db, "officer", "sam@council.example")
    response = sign_in(client, "sam@council.example", password="p" * 1_500_000)
    assert response.status_code == 400
    assert "do not match" in response.text


def test_invalid_utf8_in_a_form_gets_400_not_500(client, db, clock):
    token = admin_client(client, db, clock)
    form = {"content-type": "application/x-www-form-urlencoded"}
    for body in (b"&email=sam%ff@council.example&role=viewer",  # a bad escape
                 b"&email=sam\xff@council.example&role=viewer",  # a raw byte
                 b"&email=sam@council.example&role=viewer&name=%c3%28"):  # broken sequence
        response = client.post("/staff/new", content=b"csrf_token=" + token.encode() + body,
                               headers=form)
        assert response.status_code == 400, body
        assert "We could not read that" in response.text
    no_boundary = client.post("/staff/new", content=b"--x\r\nnonsense",
                              headers={"content-type": "multipart/form-data"})
    assert no_boundary.status_code == 400
    assert "We could not read that" in no_boundary.text
    truncated = client.post("/staff/new", content=b'--x\r\nContent-Disposition: form-data; '
                            b'name="csrf_token"\r\n\r\n' + token.encode(),
                            headers={"content-type": "multipart/form-data; boundary=x"})
    assert truncated.status_code in (400, 403)
    with transaction(db) as session:
        assert session.query(StaffAccount).count() == 1


@pytest.mark.parametrize("next_path", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "/ok\r\nSet-Cookie: x=1",
    "/ok%0d%0aSet-Cookie:%20x=1", "javascript:alert(1)", "/" + "a" * 600,
])
def test_sign_in_never_redirects_off_site_or_injects_headers(client, db, next_path):
    add_member(db, "officer", "sam@council.example")
    response = sign_in(client, "sam@council.example", next_path=next_path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\r" not in location and "\n" not in location and "evil" not in location
    assert all("x=1" not in value for key, value in response.headers.multi_items()
               if key == "set-cookie")


def test_sign_in_goes_on_to_the_page_asked_for(client, db):
    add_member(db, "admin", "alex@council.example")
    assert sign_in(client, "alex@council.example", next_path="/audit").headers["location"] == "/audit"


def test_hostile_text_is_escaped_in_pages(client, db, clock):
    token = admin_client(client, db, clock)
    response = client.post("/staff/new", data={
        "csrf_token": token, "email": "x@council.example", "role": "viewer",
        "name": '<script>alert(1)</script>"><img src=x onerror=alert(1)>'})
    assert response.status_code == 200
    listing = client.get("/staff").text
    assert "<script>alert" not in listing and "<img src=x" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


def test_a_garbage_session_cookie_is_just_signed_out(client):
    for value in (b"x" * 5000, b"\xc3\xa9\xff", b"' OR 1=1 --", b"a; b=c"):
        response = client.get("/", headers={"cookie": SESSION_COOKIE.encode() + b"=" + value})
        assert response.status_code == 303


def test_the_form_page_shows_a_csrf_token_on_every_form(client, db, clock):
    admin_client(client, db, clock)
    add_member(db, "viewer", "sam@council.example")
    for path in ("/staff", "/staff/new", "/account/password", "/"):
        html = client.get(path).text
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path
    assert csrf_of(client.get("/staff").text)
