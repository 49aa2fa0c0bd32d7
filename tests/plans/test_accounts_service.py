"""Account rules: who may get an account, with which password, and what ends a session."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from plans.accounts import service as accounts_service
from plans.accounts.models import LoginSession, Role, User
from plans.core.audit import AuditEntry
from plans.core.errors import ValidationError
from plans.core.text import search_key
from plans.demo import seed as demo
from plans.owners import service as owners_service
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner
from tests.conftest import TEST_PASSWORD

# --- password policy -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password, fragment", [
    ("court-1", "au moins 10 caractères"),
    ("seulementdeslettres", "mêler lettres et chiffres"),
    ("12345678901234", "mêler lettres et chiffres"),
    ("awa.traore-2026", "identifiant de l'adresse"),
])
def test_password_policy_refuses_weak_passwords_in_french(password, fragment):
    problems = accounts_service.password_problems(password, "awa.traore@mairie.ml")
    assert any(fragment in p for p in problems), problems


def test_password_policy_accepts_a_long_mixed_password():
    assert accounts_service.password_problems("savane-kora-pluie-47", "awa.traore@mairie.ml") == []


def test_generated_passwords_are_readable_random_and_acceptable():
    passwords = {accounts_service.generate_password("admin@demo.ml") for _ in range(20)}
    assert len(passwords) > 15
    for password in passwords:
        assert accounts_service.password_problems(password, "admin@demo.ml") == []
        words = password.split("-")
        assert len(words) == 4 and words[-1].isdigit() and all(w.isalpha() for w in words[:-1])


def test_create_user_refuses_a_weak_password(session):
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email="awa@mairie.ml", password="court", role=Role.PLANNER)
    assert "password" in caught.value.errors


# --- creating accounts -----------------------------------------------------------------------------------------

def test_duplicate_email_is_refused_whatever_its_case(session, make_user):
    make_user(Role.PLANNER, email="awa@mairie.ml")
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email="  AWA@Mairie.ML ", password=TEST_PASSWORD, role="planner")
    assert caught.value.errors["email"] == ["Un compte existe déjà avec cette adresse électronique."]


def test_email_is_stored_normalised(session):
    user = accounts_service.create_user(session, email=" Awa@Mairie.ML", password=TEST_PASSWORD, role="planner")
    assert user.email == "awa@mairie.ml"


@pytest.mark.parametrize("email", ["", "awa", "awa@", "@mairie.ml", "awa@mairie", "awa traore@mairie.ml"])
def test_invalid_email_is_refused(session, email):
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email=email, password=TEST_PASSWORD, role="planner")
    assert "email" in caught.value.errors


def test_unknown_role_is_refused_with_the_possible_roles(session):
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email="x@mairie.ml", password=TEST_PASSWORD, role="maire")
    message = caught.value.errors["role"][0]
    assert "Rôle inconnu : « maire »" in message and "planner" in message and "reviewer" in message
    assert session.scalar(sa.select(User).where(User.email == "x@mairie.ml")) is None


def test_roles_may_be_given_in_french():
    assert accounts_service.parse_role("Planificateur") is Role.PLANNER
    assert accounts_service.parse_role("relecteur") is Role.REVIEWER
    assert accounts_service.parse_role("admin") is Role.ADMIN


def test_reviewer_region_must_be_a_malian_region(session):
    cercle = owners_service.unit_by_code(session, "ML0101")
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email="r@dgct.ml", password=TEST_PASSWORD, role="reviewer",
                                     region=cercle)
    assert "région du Mali" in caught.value.errors["region"][0]
    segou = accounts_service.region_by_code(session, "ML04")
    user = accounts_service.create_user(session, email="r@dgct.ml", password=TEST_PASSWORD, role="reviewer",
                                        region=segou)
    assert user.region.display_name == "Ségou"


def test_only_planners_get_owners_and_only_reviewers_a_region(session, koniakary_owner):
    kayes = accounts_service.region_by_code(session, "ML01")
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email="admin2@dgct.ml", password=TEST_PASSWORD, role="admin",
                                     owners=[koniakary_owner], region=kayes)
    assert set(caught.value.errors) == {"owners", "region"}


def test_region_choices_are_the_nine_malian_regions(session):
    regions = accounts_service.region_choices(session)
    assert [r.code for r in regions] == [f"ML0{i}" for i in range(1, 10)]
    assert regions[3].display_name == "Ségou"


# --- logging in and sessions -----------------------------------------------------------------------------------

def test_authenticate_accepts_the_right_password_only(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    assert accounts_service.authenticate(session, "AWA@mairie.ml", TEST_PASSWORD) is user
    assert user.last_login_at is not None
    assert accounts_service.authenticate(session, "awa@mairie.ml", TEST_PASSWORD + "x") is None
    assert accounts_service.authenticate(session, "inconnu@mairie.ml", TEST_PASSWORD) is None


def test_authenticate_refuses_a_deactivated_account(session, make_user, admin):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    accounts_service.set_active(session, user, False, acting_user=admin)
    assert accounts_service.authenticate(session, "awa@mairie.ml", TEST_PASSWORD) is None


LASTS = timedelta(hours=8)


def open_login(session, user) -> str:
    token = accounts_service.open_login(session, user, LASTS)
    session.commit()
    return token


def test_deactivation_ends_open_sessions_for_good(session, make_user, admin):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    token = open_login(session, user)
    assert accounts_service.user_by_login_token(session, token, LASTS) is user
    accounts_service.set_active(session, user, False, acting_user=admin)
    assert accounts_service.user_by_login_token(session, token, LASTS) is None
    accounts_service.set_active(session, user, True, acting_user=admin)
    assert accounts_service.user_by_login_token(session, token, LASTS) is None  # reactivation does not revive it
    assert accounts_service.user_by_login_token(session, open_login(session, user), LASTS) is user


def test_logout_ends_that_login_only(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    office, phone = open_login(session, user), open_login(session, user)
    accounts_service.end_login(session, office)
    session.commit()
    assert accounts_service.user_by_login_token(session, office, LASTS) is None
    assert accounts_service.user_by_login_token(session, phone, LASTS) is user


def test_a_login_ends_when_its_time_is_over(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    token = open_login(session, user)
    assert accounts_service.user_by_login_token(session, token, timedelta(seconds=0)) is None
    assert accounts_service.user_by_login_token(session, token, LASTS) is user
    assert accounts_service.user_by_login_token(session, "x" * 65, LASTS) is None
    assert accounts_service.user_by_login_token(session, "", LASTS) is None


def test_ended_and_expired_logins_are_deleted_at_the_next_login(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    for _ in range(3):
        accounts_service.end_login(session, open_login(session, user))
    open_login(session, user)
    rows = session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None


def test_password_change_ends_every_login(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    old_token = open_login(session, user)
    accounts_service.change_password(session, user, TEST_PASSWORD, "nouveau-mot-2027", ip="10.0.0.7")
    assert accounts_service.user_by_login_token(session, old_token, LASTS) is None
    assert accounts_service.authenticate(session, user.email, "nouveau-mot-2027") is user
    assert accounts_service.authenticate(session, user.email, TEST_PASSWORD) is None
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.password_change")).one()
    assert entry.target == user.email and entry.ip == "10.0.0.7"


def test_password_change_needs_the_current_password_and_keeps_the_session_when_refused(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    token = open_login(session, user)
    with pytest.raises(ValidationError) as caught:
        accounts_service.change_password(session, user, "pas-le-bon-1", "nouveau-mot-2027")
    assert caught.value.errors["current_password"] == ["Le mot de passe actuel est incorrect."]
    with pytest.raises(ValidationError) as caught:
        accounts_service.change_password(session, user, TEST_PASSWORD, "court")
    assert "new_password" in caught.value.errors
    assert accounts_service.user_by_login_token(session, token, LASTS) is user


def test_admin_password_reset_ends_every_login_and_returns_a_usable_password(session, make_user, admin):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    token = open_login(session, user)
    password = accounts_service.reset_password(session, user, acting_user=admin)
    assert accounts_service.user_by_login_token(session, token, LASTS) is None
    assert accounts_service.authenticate(session, user.email, password) is user
    with pytest.raises(ValidationError):
        accounts_service.reset_password(session, user, "faible", acting_user=admin)


def test_admin_resets_own_password_only_through_the_account_page(session, admin):
    with pytest.raises(ValidationError) as caught:
        accounts_service.reset_password(session, admin, "nouveau-mot-2027", acting_user=admin)
    assert "Mon compte" in caught.value.messages[0]


# --- editing accounts ------------------------------------------------------------------------------------------

def test_update_user_changes_role_name_owners_and_region(session, planner, admin):
    mopti = accounts_service.region_by_code(session, "ML05")
    accounts_service.update_user(session, planner, "reviewer", "  Awa Traoré ", [], mopti, True, acting_user=admin)
    assert (planner.role, planner.full_name, planner.owners, planner.region) == (Role.REVIEWER, "Awa Traoré", [], mopti)


def test_admin_cannot_deactivate_or_demote_themselves(session, admin, make_user):
    make_user(Role.ADMIN, email="autre.admin@dgct.ml")
    with pytest.raises(ValidationError) as caught:
        accounts_service.set_active(session, admin, False, acting_user=admin)
    assert caught.value.errors["active"] == ["Vous ne pouvez pas désactiver votre propre compte."]
    with pytest.raises(ValidationError) as caught:
        accounts_service.update_user(session, admin, "reviewer", "", [], None, True, acting_user=admin)
    assert "propre rôle d'administrateur" in caught.value.errors["role"][0]
    assert admin.role is Role.ADMIN and admin.active


def test_the_last_active_administrator_stays(session, admin):
    other = accounts_service.create_user(session, email="b@dgct.ml", password=TEST_PASSWORD, role="admin")
    accounts_service.set_active(session, admin, False, acting_user=other)  # another admin remains: allowed
    with pytest.raises(ValidationError) as caught:
        accounts_service.update_user(session, other, "planner", "", [], None, True)  # e.g. from the CLI
    assert caught.value.messages == ["Il doit rester au moins un administrateur actif."]


def test_planner_without_owner_is_allowed_with_a_warning(session, make_user):
    user = make_user(Role.PLANNER, email="awa@mairie.ml")
    assert user.owners == []
    assert "accueil" in accounts_service.account_warnings(user)[0]


# --- owners by reference (CLI --owner, P-code field) -----------------------------------------------------------

def _grouping(session, name):
    members = [owners_service.unit_by_code(session, c) for c in ("ML010115", "ML010101")]
    owner = PlanOwner(kind=OwnerKind.SYNDICAT, name=name, grouping_key=search_key(name),
                      members=[GroupingMember(unit=u) for u in members])
    session.add(owner)
    session.flush()
    return owner


def test_owner_by_reference_finds_a_commune_by_pcode_and_a_grouping_by_name(session):
    commune = accounts_service.owner_by_reference(session, " ml010115 ")
    assert (commune.kind, commune.name) == (OwnerKind.COMMUNE, "Koniakary")
    grouping = _grouping(session, "Syndicat intercommunal du Kénié")
    assert accounts_service.owner_by_reference(session, "syndicat intercommunal du kenie") is grouping
    cercle = accounts_service.owner_by_reference(session, "ML0101")
    assert cercle.kind is OwnerKind.CERCLE


@pytest.mark.parametrize("reference", ["ML999999", "Syndicat inconnu", "SEN-ADM1-2_0_0-B1"])
def test_owner_by_reference_refuses_unknown_or_foreign_references(session, reference):
    with pytest.raises(ValidationError) as caught:
        accounts_service.owner_by_reference(session, reference)
    assert reference in caught.value.messages[0]


# --- demo accounts ---------------------------------------------------------------------------------------------

def test_demo_accounts_on_a_new_database(session):
    logins = demo.seed_if_new(session)
    assert [(email, role) for email, _, role in logins] == [
        ("admin@demo.ml", Role.ADMIN.label), ("relecteur@demo.ml", Role.REVIEWER.label),
        ("planificateur@koniakary.demo.ml", Role.PLANNER.label), ("planificateur@sicm.demo.ml", Role.PLANNER.label),
        ("planificateur@kenedougou.demo.ml", Role.PLANNER.label)]
    for email, password, _ in logins:
        assert accounts_service.password_problems(password, email) == []
        assert accounts_service.authenticate(session, email, password) is not None
    planner = accounts_service.user_by_email(session, "planificateur@koniakary.demo.ml")
    assert [o.unit.code for o in planner.owners] == ["ML010115"]
    assert demo.seed_if_new(session) == []  # never twice
