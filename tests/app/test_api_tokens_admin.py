"""The administrators' token pages (/utilisateurs/<id>/jetons) and the `flask tokens` commands."""
from __future__ import annotations

import re

import sqlalchemy as sa

from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import ApiToken, Role
from plans.core import audit as audit_service
from tests.conftest import csrf_token_from

SECRET_RE = re.compile(r"<code[^>]*>([A-Za-z0-9_-]{40,})</code>")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _tokens(session, user=None) -> list[ApiToken]:
    session.expire_all()
    return api_tokens_service.list_tokens(session, user)


def test_the_users_list_links_to_each_accounts_tokens(admin_client, reviewer):
    assert f"/utilisateurs/{reviewer.id}/jetons" in _html(admin_client.get("/utilisateurs/"))


def test_an_admin_creates_a_token_shown_once_that_opens_the_api(app, admin_client, session, reviewer):
    response = admin_client.post(f"/utilisateurs/{reviewer.id}/jetons", data={"name": "Partenaire <X>"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = _html(response)
    assert "Partenaire &lt;X&gt;" in page and "<X>" not in page  # the name is escaped
    secret = SECRET_RE.search(page).group(1)

    assert app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = _html(admin_client.get(f"/utilisateurs/{reviewer.id}/jetons"))
    assert "Partenaire &lt;X&gt;" in listing and secret not in listing  # never shown again
    [entry] = audit_service.recent(session, action="token.create")
    assert entry.target == reviewer.email and entry.details["name"] == "Partenaire <X>"


def test_a_nameless_token_is_refused_in_french_and_creates_nothing(admin_client, session, reviewer):
    response = admin_client.post(f"/utilisateurs/{reviewer.id}/jetons", data={"name": "  "})
    assert response.status_code == 400 and "Donnez un nom au jeton" in _html(response)
    assert _tokens(session) == []


def test_a_duplicate_live_name_keeps_what_was_typed(admin_client, session, reviewer):
    api_tokens_service.create_token(session, reviewer, "Partenaire X")
    session.commit()
    response = admin_client.post(f"/utilisateurs/{reviewer.id}/jetons", data={"name": "Partenaire X"})
    assert response.status_code == 400
    assert "s&#39;appelle déjà" in _html(response) and 'value="Partenaire X"' in _html(response)
    assert len(_tokens(session)) == 1


def test_an_admin_revokes_a_token_and_it_stops_working(app, admin_client, session, reviewer):
    issued = api_tokens_service.create_token(session, reviewer, "Partenaire X")
    session.commit()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert app.test_client().get("/api/v1/plans", headers=headers).status_code == 200

    response = admin_client.post(f"/utilisateurs/{reviewer.id}/jetons/{issued.token.id}/revoquer",
                                 follow_redirects=True)
    assert "révoqué" in _html(response)
    assert app.test_client().get("/api/v1/plans", headers=headers).status_code == 401
    assert [e.details["token_id"] for e in audit_service.recent(session, action="token.revoke")] == [issued.token.id]


def test_a_token_is_revoked_only_through_its_own_account(admin_client, session, reviewer, planner):
    issued = api_tokens_service.create_token(session, reviewer, "Partenaire X")
    session.commit()
    assert admin_client.post(f"/utilisateurs/{planner.id}/jetons/{issued.token.id}/revoquer").status_code == 404
    assert admin_client.post(f"/utilisateurs/{reviewer.id}/jetons/999999/revoquer").status_code == 404
    assert _tokens(session)[0].revoked_at is None


def test_token_forms_need_their_csrf_token(app, admin_client, session, reviewer):
    issued = api_tokens_service.create_token(session, reviewer, "Partenaire X")
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    revoke = f"/utilisateurs/{reviewer.id}/jetons/{issued.token.id}/revoquer"
    assert admin_client.post(f"/utilisateurs/{reviewer.id}/jetons", data={"name": "Y"}).status_code == 400
    assert admin_client.post(revoke).status_code == 400
    assert len(_tokens(session)) == 1 and _tokens(session)[0].revoked_at is None

    token = csrf_token_from(_html(admin_client.get(f"/utilisateurs/{reviewer.id}/jetons")))
    assert admin_client.post(f"/utilisateurs/{reviewer.id}/jetons",
                             data={"name": "Y", "csrf_token": token}).status_code == 200
    assert admin_client.post(revoke, data={"csrf_token": token}).status_code == 302
    assert {t.name: t.revoked_at is not None for t in _tokens(session)} == {"Partenaire X": True, "Y": False}


# --- the command line ------------------------------------------------------------------------------------------

def test_cli_create_prints_the_token_once_and_it_works(app, runner, session, reviewer):
    result = runner.invoke(args=["tokens", "create", reviewer.email, "--name", "Partenaire X"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    [token] = _tokens(session)
    assert token.name == "Partenaire X" and token.token_hash == api_tokens_service.hash_secret(secret)

    listing = runner.invoke(args=["tokens", "list"])
    assert listing.exit_code == 0 and "Partenaire X" in listing.output and reviewer.email in listing.output
    assert secret not in listing.output


def test_cli_refuses_an_unknown_account_or_a_missing_name(runner, session):
    result = runner.invoke(args=["tokens", "create", "personne@nulle-part.ml", "--name", "X"])
    assert result.exit_code == 1 and "Aucun compte" in result.output
    assert runner.invoke(args=["tokens", "create", "personne@nulle-part.ml"]).exit_code != 0
    assert _tokens(session) == []


def test_cli_revoke(app, runner, session, make_user):
    account = make_user(Role.ADMIN, email="admin-cli@dgct.ml")
    issued = api_tokens_service.create_token(session, account, "Partenaire X")
    session.commit()

    result = runner.invoke(args=["tokens", "revoke", str(issued.token.id)])
    assert result.exit_code == 0 and "révoqué" in result.output
    assert app.test_client().get("/api/v1/plans",
                                 headers={"Authorization": f"Bearer {issued.secret}"}).status_code == 401
    again = runner.invoke(args=["tokens", "revoke", str(issued.token.id)])
    assert again.exit_code == 0 and "déjà révoqué" in again.output
    missing = runner.invoke(args=["tokens", "revoke", "999999"])
    assert missing.exit_code == 1 and "Aucun jeton" in missing.output
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
