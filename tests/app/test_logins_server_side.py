"""Logins live on the server (plans/accounts/models.LoginSession): logout ends the session for every copy of its
cookie; the password change checks the current password under login throttling and is journaled; what a logged-in
user is sent carries Cache-Control: no-store (app/security.py)."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from plans.accounts import throttle
from plans.core.audit import AuditEntry
from tests.conftest import TEST_PASSWORD, login

NEW_PASSWORD = "Nouveau-mot-de-passe-2027"


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def test_logout_ends_the_session_for_a_copied_cookie(app, client, planner):
    login(client, planner.email)
    copied = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/compte/").status_code == 200  # the copy works while the login is open

    assert client.post("/compte/deconnexion").status_code == 302
    assert client.get("/compte/").status_code == 302
    answer = thief.get("/compte/")
    assert answer.status_code == 302 and "/compte/connexion" in answer.headers["Location"]


def test_logout_on_one_device_leaves_the_others_open(app, planner):
    office, phone = app.test_client(), app.test_client()
    login(office, planner.email)
    login(phone, planner.email)
    office.post("/compte/deconnexion")
    assert phone.get("/compte/").status_code == 200


def wrong_change(client) -> object:
    return client.post("/compte/mot-de-passe", data={"current_password": "pas-le-bon-2026",
                                                     "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})


def test_the_password_change_is_throttled_like_a_login(client, planner):
    login(client, planner.email)
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        assert wrong_change(client).status_code == 400
    blocked = wrong_change(client)
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion. Réessayez dans" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Even the right current password is not checked now: no oracle.
    right = client.post("/compte/mot-de-passe", data={"current_password": TEST_PASSWORD,
                                                      "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert right.status_code == 429
    db.session.refresh(planner)
    # The guesses count on the account: a login elsewhere is blocked too.
    assert login(client.application.test_client(), planner.email, TEST_PASSWORD).status_code == 429


def test_the_password_change_and_its_refusals_are_journaled(client, planner):
    login(client, planner.email)
    assert wrong_change(client).status_code == 400
    changed = client.post("/compte/mot-de-passe", data={"current_password": TEST_PASSWORD,
                                                        "new_password": NEW_PASSWORD,
                                                        "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target == planner.email)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["user.password_change_refused", "user.password_change"]
    assert client.get("/compte/").status_code == 200  # the session that changed it goes on


def test_pages_of_a_logged_in_user_are_not_stored(client, planner, plan):
    anonymous = client.get("/compte/connexion")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    login(client, planner.email)
    for url in ("/", "/compte/", f"/plans/{plan.id}", f"/plans/{plan.id}/identification",
                f"/plans/{plan.id}/export.docx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    static = client.get("/static/favicon.svg")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
