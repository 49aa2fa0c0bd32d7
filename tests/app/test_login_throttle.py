"""Login throttling through the login page: HTTP 429 with a French message and Retry-After, per account and per
client address, the password not even checked while blocked, a success resetting the account's count."""
from __future__ import annotations

import sqlalchemy as sa

from plans.accounts import throttle
from plans.accounts.models import LoginAttempt
from plans.core import audit as audit_service
from tests.conftest import TEST_PASSWORD, login

WRONG = "pas-le-bon-mot-2026"


def post_login(client, email, password, ip="192.0.2.10"):
    return client.post("/compte/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_five_wrong_passwords_block_the_account_even_with_the_right_one(client, planner):
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        assert post_login(client, planner.email, WRONG).status_code == 401
    response = post_login(client, planner.email, TEST_PASSWORD, ip="192.0.2.99")  # another post does not help
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    text = response.get_data(as_text=True)
    assert "Trop de tentatives de connexion. Réessayez dans 15 minutes." in text
    assert 'name="email"' in text and planner.email in text  # the form comes back with what was typed
    assert client.get("/compte/").status_code == 302  # not logged in


def test_the_blocked_account_does_not_block_other_accounts_from_the_same_post(client, planner, reviewer):
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        post_login(client, planner.email, WRONG)
    assert post_login(client, reviewer.email, TEST_PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_block_it_for_every_account(client, planner):
    for i in range(throttle.MAX_FAILURES_PER_ADDRESS):
        assert post_login(client, f"inconnu{i}@mairie.ml", WRONG, ip="198.51.100.4").status_code == 401
    refused = post_login(client, planner.email, TEST_PASSWORD, ip="198.51.100.4")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Trop de tentatives de connexion." in refused.get_data(as_text=True)
    assert post_login(client, planner.email, TEST_PASSWORD, ip="198.51.100.5").status_code == 302


def test_a_success_resets_the_account_count(app, client, planner):
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT - 1):
        post_login(client, planner.email, WRONG)
    assert post_login(client, planner.email, TEST_PASSWORD).status_code == 302
    other = app.test_client()
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT - 1):
        assert post_login(other, planner.email, WRONG).status_code == 401
    assert post_login(other, planner.email, TEST_PASSWORD).status_code == 302  # 4 + 4 failures, never 5 in a row


def test_blocked_attempts_are_not_counted_and_the_lockout_is_journaled(session, client, planner):
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT + 3):
        post_login(client, planner.email, WRONG)
    failures = session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.email == planner.email))
    assert failures == throttle.MAX_FAILURES_PER_ACCOUNT
    lockouts = audit_service.recent(session, action="auth.lockout")
    assert [(e.target, e.details["scope"], e.ip) for e in lockouts] == [(planner.email, "account", "192.0.2.10")]


def test_a_normal_login_still_works(client, planner):
    assert login(client, planner.email).status_code == 302
    assert client.get("/compte/").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(database_url, planner):
    from app import create_app
    from app.extensions import db
    from tests.conftest import app_config

    proxied_app = create_app(app_config(database_url, TRUSTED_PROXIES=1))
    proxied = proxied_app.test_client()

    def through_proxy(client_ip, email, password):
        return proxied.post("/compte/connexion", data={"email": email, "password": password},
                            environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": client_ip})

    try:
        for i in range(throttle.MAX_FAILURES_PER_ADDRESS):
            assert through_proxy("203.0.113.1", f"inconnu{i}@mairie.ml", WRONG).status_code == 401
        assert through_proxy("203.0.113.1", "encore@mairie.ml", WRONG).status_code == 429
        # Everyone comes through 127.0.0.1, yet another client is not blocked by the first one's failures.
        assert through_proxy("203.0.113.2", planner.email, TEST_PASSWORD).status_code == 302
    finally:
        with proxied_app.app_context():
            db.session.remove()
            db.engine.dispose()
