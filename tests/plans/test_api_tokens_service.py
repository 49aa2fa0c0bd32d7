"""API tokens: shown once and stored hashed, recognised only while live, last use recorded sparingly."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from plans.accounts import api_tokens as api_tokens_service
from plans.accounts import service as accounts_service
from plans.accounts.models import ApiToken, Role
from plans.core.db import utcnow
from plans.core.errors import ValidationError


@pytest.fixture
def reviewer_account(make_user):
    return make_user(Role.REVIEWER, email="partenaire-relecteur@dgct.ml")


def test_the_secret_is_returned_once_and_only_its_sha256_is_stored(session, reviewer_account):
    issued = api_tokens_service.create_token(session, reviewer_account, "  Partenaire   X ")
    session.commit()

    assert len(issued.secret) >= 43  # secrets.token_urlsafe(32)
    stored = session.scalar(sa.select(ApiToken).where(ApiToken.id == issued.token.id))
    assert stored.name == "Partenaire X"
    assert stored.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    row = session.execute(sa.text("SELECT * FROM api_token WHERE id = :id"), {"id": stored.id}).one()
    assert not any(issued.secret in str(value) for value in row)  # the secret itself is nowhere in the database
    assert stored.user_id == reviewer_account.id and stored.revoked_at is None and stored.last_used_at is None


def test_two_tokens_never_share_a_secret(session, reviewer_account):
    first = api_tokens_service.create_token(session, reviewer_account, "A")
    second = api_tokens_service.create_token(session, reviewer_account, "B")
    assert first.secret != second.secret and first.token.token_hash != second.token.token_hash


@pytest.mark.parametrize("name, message", [
    ("", "Donnez un nom"), ("   ", "Donnez un nom"), ("x" * 201, "200 caractères"),
])
def test_a_token_needs_a_sensible_name(session, reviewer_account, name, message):
    with pytest.raises(ValidationError) as error:
        api_tokens_service.create_token(session, reviewer_account, name)
    assert message in " ".join(error.value.messages)


def test_a_live_token_name_is_unique_per_account_but_a_revoked_one_frees_it(session, reviewer_account):
    first = api_tokens_service.create_token(session, reviewer_account, "Partenaire X")
    with pytest.raises(ValidationError, match="s'appelle déjà"):
        api_tokens_service.create_token(session, reviewer_account, "partenaire x")
    api_tokens_service.revoke_token(session, first.token)
    assert api_tokens_service.create_token(session, reviewer_account, "Partenaire X").token.id != first.token.id


def test_no_token_for_a_deactivated_account(session, reviewer_account):
    accounts_service.set_active(session, reviewer_account, False)
    with pytest.raises(ValidationError, match="désactivé"):
        api_tokens_service.create_token(session, reviewer_account, "Partenaire X")


def test_authenticate_recognises_the_secret_and_nothing_else(session, reviewer_account):
    issued = api_tokens_service.create_token(session, reviewer_account, "Partenaire X")
    session.commit()

    found = api_tokens_service.authenticate(session, issued.secret)
    assert found is not None and found.id == issued.token.id and found.user.id == reviewer_account.id
    for wrong in (None, "", issued.secret[:-1], issued.secret + "x", issued.secret.upper(), issued.token.token_hash,
                  "x" * 10_000):
        assert api_tokens_service.authenticate(session, wrong) is None, wrong


def test_a_revoked_token_or_a_deactivated_account_opens_nothing(session, make_user, reviewer_account):
    revoked = api_tokens_service.create_token(session, reviewer_account, "Révoqué")
    other = make_user(Role.ADMIN, email="admin-jeton@dgct.ml")
    admin_token = api_tokens_service.create_token(session, other, "Admin")
    session.commit()

    assert api_tokens_service.revoke_token(session, revoked.token) is True
    first_revocation = revoked.token.revoked_at
    assert api_tokens_service.revoke_token(session, revoked.token) is False  # idempotent, first date kept
    assert revoked.token.revoked_at == first_revocation
    assert api_tokens_service.authenticate(session, revoked.secret) is None

    assert api_tokens_service.authenticate(session, admin_token.secret) is not None
    other.active = False
    session.flush()
    assert api_tokens_service.authenticate(session, admin_token.secret) is None


def test_last_used_at_is_written_at_most_once_a_minute(session, reviewer_account):
    issued = api_tokens_service.create_token(session, reviewer_account, "Partenaire X")
    session.commit()
    start = utcnow()

    api_tokens_service.authenticate(session, issued.secret, now=start)
    assert issued.token.last_used_at == start
    session.commit()
    api_tokens_service.authenticate(session, issued.secret, now=start + timedelta(seconds=59))
    assert issued.token.last_used_at == start
    assert issued.token not in session.dirty  # nothing to write: no UPDATE for every request
    later = start + timedelta(seconds=60)
    api_tokens_service.authenticate(session, issued.secret, now=later)
    assert issued.token.last_used_at == later


def test_list_gives_live_tokens_first_and_can_be_limited_to_one_account(session, make_user, reviewer_account):
    old = api_tokens_service.create_token(session, reviewer_account, "Ancien").token
    live = api_tokens_service.create_token(session, reviewer_account, "Actuel").token
    other = api_tokens_service.create_token(session, make_user(Role.ADMIN, email="a@dgct.ml"), "Autre").token
    api_tokens_service.revoke_token(session, old)
    session.commit()

    assert [t.id for t in api_tokens_service.list_tokens(session, reviewer_account)] == [live.id, old.id]
    assert {t.id for t in api_tokens_service.list_tokens(session)} == {old.id, live.id, other.id}
    assert api_tokens_service.list_tokens(session)[-1].id == old.id
