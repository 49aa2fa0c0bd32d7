"""Logging in and out, the account page, the password change, and CSRF on a real form."""
from __future__ import annotations

import html

import pytest

from app import create_app
from app.extensions import db
from plans.accounts.models import Role
from tests.conftest import TEST_PASSWORD, csrf_token_from, login
from tests.conftest import app_config as config_for

NEW_PASSWORD = "nouveau-secret-2027"


def shown(response) -> str:
    """The page as a reader sees it: entities decoded ("l&#39;actuel" is "l'actuel")."""
    return html.unescape(response.get_data(as_text=True))


def test_login_then_logout(client, planner):
    assert client.get("/").status_code == 302
    response = login(client, planner.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion")
    assert "Vous êtes déconnecté." in shown(client.get("/compte/connexion"))
    assert client.get("/").status_code == 302


def test_anonymous_visitor_is_sent_to_login_and_back(client, planner):
    response = client.get("/compte/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/connexion?next=%2Fcompte%2F"
    response = client.post("/compte/connexion?next=%2Fcompte%2F",
                           data={"email": planner.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/compte/"


def test_failed_login_keeps_the_typed_email_and_says_why_in_french(client, planner):
    response = login(client, "Planificateur@Koniakary.ml", "pas-le-bon-2026")
    text = shown(response)
    assert response.status_code == 401
    assert 'value="Planificateur@Koniakary.ml"' in text
    assert "Adresse électronique ou mot de passe incorrect." in text
    assert "pas-le-bon-2026" not in text  # a password is never sent back


def test_empty_login_form_gets_french_messages(client):
    response = client.post("/compte/connexion", data={"email": "", "password": ""})
    text = shown(response)
    assert response.status_code == 400
    assert "Saisissez votre adresse électronique." in text and "Saisissez votre mot de passe." in text


@pytest.mark.parametrize("target", [
    "https://hameconnage.example/compte",
    "//hameconnage.example/compte",
    "/\\hameconnage.example/compte",
    "/\t/hameconnage.example",
    "javascript:alert(1)",
])
def test_next_parameter_never_leaves_the_site(client, planner, target):
    response = client.post("/compte/connexion", query_string={"next": target},
                           data={"email": planner.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_session_expires(app, planner_client):
    with planner_client.session_transaction() as session:
        assert session.permanent
    cookie = planner_client.get_cookie("session")
    assert cookie.expires is not None  # a dated cookie: PERMANENT_SESSION_LIFETIME, not "until the browser closes"
    assert app.permanent_session_lifetime.total_seconds() > 0


def test_account_page_shows_role_and_territories(planner_client):
    text = shown(planner_client.get("/compte/"))
    assert "planificateur@koniakary.ml" in text
    assert Role.PLANNER.label in text
    assert "Koniakary" in text and "Commune" in text
    assert 'href="/compte/mot-de-passe"' in text


def test_reviewer_account_page_shows_the_region(reviewer_client):
    text = shown(reviewer_client.get("/compte/"))
    assert Role.REVIEWER.label in text and "Tout le pays" in text


def test_password_change_keeps_the_user_logged_in(client, app, planner):
    login(client, planner.email)
    assert client.get("/compte/mot-de-passe").status_code == 200
    response = client.post("/compte/mot-de-passe", data={"current_password": TEST_PASSWORD,
                                                         "new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/compte/"
    page = client.get("/compte/")
    assert page.status_code == 200
    assert "Votre mot de passe a été changé." in shown(page)

    other = app.test_client()
    assert login(other, planner.email, TEST_PASSWORD).status_code == 401
    assert login(other, planner.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"current_password": "pas-le-bon-2026", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
     "Le mot de passe actuel est incorrect."),
    ({"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
     "Les deux saisies du nouveau mot de passe sont différentes."),
    ({"current_password": TEST_PASSWORD, "new_password": "court", "confirm_password": "court"},
     "au moins 10 caractères"),
    ({"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD},
     "différent de l'actuel"),
])
def test_refused_password_change_says_why_and_changes_nothing(client, planner, data, message):
    login(client, planner.email)
    hashed = planner.password_hash
    response = client.post("/compte/mot-de-passe", data=data)
    assert response.status_code == 400
    assert message in shown(response)
    db.session.refresh(planner)
    assert planner.password_hash == hashed
    assert client.get("/compte/").status_code == 200  # the session goes on


def test_password_change_ends_the_session_open_elsewhere(app, planner):
    office, phone = app.test_client(), app.test_client()
    login(office, planner.email)
    login(phone, planner.email)
    assert phone.get("/compte/").status_code == 200
    office.post("/compte/mot-de-passe", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                              "confirm_password": NEW_PASSWORD})
    response = phone.get("/compte/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion")
    assert office.get("/compte/").status_code == 200


def test_login_form_is_protected_by_csrf(database_url, planner):
    csrf_app = create_app(config_for(database_url, WTF_CSRF_ENABLED=True))
    try:
        browser = csrf_app.test_client()
        page = browser.get("/compte/connexion")
        assert page.status_code == 200
        token = csrf_token_from(shown(page))

        forged = browser.post("/compte/connexion", data={"email": planner.email, "password": TEST_PASSWORD})
        assert forged.status_code == 400
        assert "Le formulaire a expiré ou n'est pas valide." in shown(forged)

        response = browser.post("/compte/connexion", data={"email": planner.email, "password": TEST_PASSWORD,
                                                           "csrf_token": token})
        assert response.status_code == 302
        assert browser.get("/").status_code == 200
    finally:
        with csrf_app.app_context():
            db.engine.dispose()
