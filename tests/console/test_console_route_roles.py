"""Every route, with each role and signed out: allowed or refused, decided on the server.

ROUTES must name every route the console has (test_every_route_is_in_the_table), so a new
page cannot arrive without saying who may use it and a test of it.
"""

from __future__ import annotations

import pytest
from console_helpers import (
    EXAMPLE,
    ROLES,
    SLUG,
    add_member,
    audit_rows,
    csrf_of,
    open_session_for,
    publish_example,
)

from bot.store.db import transaction
from bot.store.models import CampaignDraft, CampaignVersion, StaffAccount

PUBLIC = "public"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
ADMIN, OFFICER, EVERYONE = {"admin"}, {"officer"}, set(ROLES)
READERS = {"admin", "officer"}
# (method, path) -> (who may use it, status when allowed, form sent)
ROUTES = {
    ("GET", "/health"): (PUBLIC, 200, None),
    ("GET", "/ready"): (PUBLIC, 200, None),  # for load balancers: no sign-in, no data
    ("GET", "/metrics"): (PUBLIC, 200, None),  # ENGAGE_METRICS_TOKEN guards it when set
    ("GET", "/sign-in"): (PUBLIC, 200, None),
    ("POST", "/sign-in"): (PUBLIC, 400, {}),  # an empty form: the page again, with the problem
    ("POST", "/sign-out"): (EVERYONE, 303, {}),
    ("GET", "/account/password"): (EVERYONE, 200, None),
    ("POST", "/account/password"): (EVERYONE, 400, {}),
    ("GET", "/"): (EVERYONE, 200, None),
    ("GET", "/staff"): (ADMIN, 200, None),
    ("GET", "/staff/new"): (ADMIN, 200, None),
    ("POST", "/staff/new"): (ADMIN, 200, {"email": "new@council.example", "role": "viewer"}),
    ("POST", "/staff/{id:int}/role"): (ADMIN, 303, {"role": "officer"}),
    ("POST", "/staff/{id:int}/disable"): (ADMIN, 303, {}),
    ("POST", "/staff/{id:int}/enable"): (ADMIN, 303, {}),
    ("POST", "/staff/{id:int}/reset-password"): (ADMIN, 200, {}),
    ("GET", "/audit"): (READERS, 200, None),
    ("GET", "/audit/entries"): (READERS, 200, None),
    # Sharing results: the path's {slug} names no campaign here, so an allowed request gets
    # "Page not found" (tests/console/test_console_sharing.py uses real campaigns).
    ("GET", "/sharing"): (EVERYONE, 200, None),
    ("GET", "/sharing/{slug}/themes"): (EVERYONE, 404, None),
    ("POST", "/sharing/{slug}/themes/run"): (READERS, 404, {}),
    ("POST", "/sharing/{slug}/themes/{id:int}/rename"): (READERS, 404, {"name": "x"}),
    ("POST", "/sharing/{slug}/themes/{id:int}/merge"): (READERS, 404, {"into": "1"}),
    ("POST", "/sharing/{slug}/themes/{id:int}/split"): (READERS, 404, {"name": "x"}),
    ("POST", "/sharing/{slug}/themes/tag"): (READERS, 404, {}),
    ("GET", "/sharing/{slug}/quotes"): (EVERYONE, 404, None),
    ("POST", "/sharing/{slug}/quotes/{id:int}/approve"): (READERS, 404, {}),
    ("POST", "/sharing/{slug}/quotes/{id:int}/reject"): (READERS, 404, {}),
    ("POST", "/sharing/{slug}/quotes/{id:int}/personal"): (READERS, 404, {}),
    ("GET", "/campaigns"): (OFFICER, 200, None),
    ("GET", "/campaigns/{slug}"): (OFFICER, 200, None),
    ("GET", "/campaigns/{slug}/preview"): (OFFICER, 200, None),
    ("GET", "/new-campaign"): (OFFICER, 200, None),
    ("POST", "/new-campaign"): (OFFICER, 400, {"source": "id: broken"}),
    ("POST", "/new-campaign/upload"): (OFFICER, 400, {}),
    ("GET", "/campaigns/{slug}/edit"): (OFFICER, 200, None),
    ("POST", "/campaigns/{slug}/edit"): (OFFICER, 303, {"source": EXAMPLE_TEXT}),
    ("GET", "/campaigns/{slug}/publish"): (OFFICER, 400, None),  # no draft saved: says so
    ("POST", "/campaigns/{slug}/publish"): (OFFICER, 400, {}),
    ("GET", "/campaigns/{slug}/close"): (OFFICER, 200, None),
    ("POST", "/campaigns/{slug}/close"): (OFFICER, 303, {}),
    ("GET", "/campaigns/{slug}/try"): (OFFICER, 200, None),
    # no bot at the settings' address: the page says so (tests/console/test_console_try_it.py
    # talks to a real one)
    ("POST", "/campaigns/{slug}/try"): (OFFICER, 503, {"message": "BUSES"}),
    ("POST", "/campaigns/{slug}/try/restart"): (OFFICER, 303, {}),
    ("POST", "/campaigns/{slug}/try/end"): (OFFICER, 303, {}),
    ("GET", "/sharing/{slug}/public"): (EVERYONE, 404, None),
    ("GET", "/sharing/{slug}/public/preview"): (EVERYONE, 404, None),
    ("POST", "/sharing/{slug}/public/publish"): (READERS, 404, {}),
    ("POST", "/sharing/{slug}/public/unpublish"): (READERS, 404, {}),
    ("GET", "/p/{slug}"): (PUBLIC, 404, None),
    ("GET", "/sharing/{slug}/follow-up"): (EVERYONE, 404, None),
    ("POST", "/sharing/{slug}/follow-up/check"): (READERS, 404, {}),
    ("POST", "/sharing/{slug}/follow-up/send"): (READERS, 404, {}),
    # Launches (officers and administrators): an empty form names no group, so the page
    # again with the problem; {id} names no launch here (tests/console/test_console_launches.py
    # launches for real).
    ("GET", "/launches"): (READERS, 200, None),
    ("POST", "/launches/check"): (READERS, 400, {}),
    ("POST", "/launches/start"): (READERS, 400, {}),
    ("GET", "/launches/{id:int}"): (READERS, 404, None),
    ("GET", "/launches/{id:int}/progress"): (READERS, 404, None),
    # Data rights (officers and administrators): an empty erase form names nobody, and an
    # erase without its sealed confirmation is refused, each the page again with the problem
    # (tests/console/test_console_data_rights.py erases for real); a purge without its box
    # ticked is the dry run again.
    ("GET", "/data-rights"): (READERS, 200, None),
    ("POST", "/data-rights/erase/check"): (READERS, 400, {}),
    ("POST", "/data-rights/erase"): (READERS, 400, {}),
    ("POST", "/data-rights/purge/check"): (READERS, 200, {}),
    ("POST", "/data-rights/purge"): (READERS, 400, {}),
    # Contacts (officers and administrators): an empty form has no file, so the page again
    # with the problem (tests/console/test_console_contacts.py imports for real).
    ("GET", "/contacts"): (READERS, 200, None),
    ("POST", "/contacts/import"): (READERS, 400, {}),
    ("GET", "/contacts/opted-out"): (READERS, 200, None),
    # Results: everyone reads the figures and the printable report; downloads of answers
    # (residents' own words) are for officers and administrators. SLUG is published with no
    # answers yet (tests/console/test_console_results.py has residents answer).
    ("GET", "/results"): (EVERYONE, 200, None),
    ("GET", "/results/report.css"): (EVERYONE, 200, None),
    ("GET", "/results/{slug}"): (EVERYONE, 200, None),
    ("GET", "/results/{slug}/figures"): (EVERYONE, 200, None),
    ("GET", "/results/{slug}/report"): (EVERYONE, 200, None),
    ("GET", "/results/{slug}/answers.csv"): (READERS, 200, None),
    ("GET", "/results/{slug}/answers.jsonl"): (READERS, 200, None),
    ("GET", "/results/{slug}/answers.xlsx"): (READERS, 200, None),
}
FRAGMENTS = {"/audit/entries", "/launches/{id:int}/progress", "/results/{slug}/figures"}
WHO = ["signed out", *ROLES]


def test_every_route_is_in_the_table(app):
    declared = {(method, page.path) for page in app.pages for method in page.methods}
    assert declared == set(ROUTES)
    for page in app.pages:
        expected = ROUTES[(page.methods[0], page.path)][0]
        assert (page.roles is None) == (expected == PUBLIC)
        if expected != PUBLIC:
            assert page.roles == frozenset(expected), page.path


def snapshot(db):
    with transaction(db) as session:
        accounts = [(a.email, a.role, a.disabled_at, a.password_hash, a.must_change_password)
                    for a in session.query(StaffAccount).order_by(StaffAccount.id)]
        drafts = [(d.slug, d.source) for d in session.query(CampaignDraft)]
        versions = [(v.slug, v.version, v.status) for v in session.query(CampaignVersion)]
    return accounts, audit_rows(db), drafts, versions


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_allows_or_refuses(client, db, clock, route, who):
    method, template = route
    roles, allowed_status, form = ROUTES[route]
    target = add_member(db, "viewer", "target@council.example")
    add_member(db, "admin", "other-admin@council.example")  # so the target may be changed
    token = None
    if who != "signed out":
        token = open_session_for(client, db, add_member(db, who, f"{who}@council.example"), clock())
    if "{slug}" in template:
        publish_example(db)
    # Sharing's routes are tried on a campaign that does not exist (a 404 when allowed);
    # tests/console/test_console_sharing.py uses real ones.
    slug = "no-such-campaign" if template.startswith(("/sharing/", "/p/")) else SLUG
    path = template.replace("{id:int}", str(target)).replace("{slug}", slug)
    before = snapshot(db)
    if method == "GET":
        response = client.get(path)
    else:
        if token is None:
            token = csrf_of(client.get("/sign-in").text)
        response = client.post(path, data={"csrf_token": token, **form})

    allowed = roles == PUBLIC or who in roles
    if allowed:
        expected = allowed_status
        if template == "/sign-in" and method == "GET" and who != "signed out":
            expected = 303  # already signed in: on to the home page
        assert response.status_code == expected, response.text[:400]
        return
    if who == "signed out":
        if template in FRAGMENTS:
            assert response.status_code == 401
        else:
            assert response.status_code == 303
            assert response.headers["location"].startswith("/sign-in?next=")
    else:
        assert response.status_code == 403
        assert "You cannot use this page" in response.text
    assert snapshot(db) == before, "a refused request changed something"
