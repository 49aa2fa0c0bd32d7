"""Session cookies and session expiry: HttpOnly and SameSite=Lax always, Secure when SESSION_COOKIE_SECURE is set;
a login ends SESSION_HOURS after it started, whether the session was idle (its signed cookie too old) or busy."""
from __future__ import annotations

import time

import itsdangerous

from app import config
from tests.conftest import TEST_PASSWORD, login


def session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(client, planner):
    header = session_cookie_header(login(client, planner.email))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header


def test_session_cookie_secure_makes_every_cookie_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    settings = config.from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_behind_https_the_login_cookie_is_secure(app, client, planner):
    app.config["SESSION_COOKIE_SECURE"] = True
    header = session_cookie_header(login(client, planner.email))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_session_hours_sets_the_lifetime(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_HOURS", "2")
    assert config.from_environment(str(tmp_path))["PERMANENT_SESSION_LIFETIME"].total_seconds() == 2 * 3600


def test_a_session_cookie_older_than_session_hours_is_refused(app, client, planner, monkeypatch):
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = itsdangerous.TimestampSigner.get_timestamp
    # The cookie is signed as if the login had happened SESSION_HOURS and a minute ago.
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp",
                        lambda self: int(time.time() - lifetime - 60))
    assert login(client, planner.email).status_code == 302
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", real)
    response = client.get("/compte/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion")


def test_a_busy_session_still_ends_session_hours_after_the_login(app, client, planner):
    assert login(client, planner.email).status_code == 302
    assert client.get("/compte/").status_code == 200
    with client.session_transaction() as session:  # the login happened SESSION_HOURS and a minute ago
        session["login_at"] = int(time.time() - app.permanent_session_lifetime.total_seconds() - 60)
    response = client.get("/compte/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion")
    page = client.get(response.headers["Location"])
    assert "Votre session a expiré. Veuillez vous reconnecter." in page.get_data(as_text=True)
    assert client.get("/compte/").status_code == 302  # logged out for good, not only for one request
    assert login(client, planner.email, TEST_PASSWORD).status_code == 302
    assert client.get("/compte/").status_code == 200


def test_a_session_within_its_hours_stays_open(app, client, planner):
    assert login(client, planner.email).status_code == 302
    with client.session_transaction() as session:
        session["login_at"] = int(time.time() - app.permanent_session_lifetime.total_seconds() + 600)
    assert client.get("/compte/").status_code == 200
