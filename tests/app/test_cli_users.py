"""`flask users …`: the first administrator of an installation, and accounts made from a terminal."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from plans.accounts import service as accounts_service
from plans.accounts.models import Role, User
from plans.core.text import search_key
from plans.owners import service as owners_service
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner
from tests.conftest import TEST_PASSWORD


def _user(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_a_planner_with_the_password_on_stdin(runner, session):
    result = runner.invoke(args=["users", "create", "Awa@Koniakary.ml", "--role", "planner", "--owner", "ML010115",
                                 "--name", "Awa Traoré", "--password-stdin"], input=TEST_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Compte créé : awa@koniakary.ml" in result.output
    user = _user("awa@koniakary.ml")
    assert (user.role, user.full_name, [o.name for o in user.owners]) == (Role.PLANNER, "Awa Traoré", ["Koniakary"])
    assert accounts_service.authenticate(session, "awa@koniakary.ml", TEST_PASSWORD) is not None


def test_without_stdin_the_password_is_asked_twice(runner):
    result = runner.invoke(args=["users", "create", "admin@mairie.ml", "--role", "admin"],
                           input=f"{TEST_PASSWORD}\nautre-chose-2026\n{TEST_PASSWORD}\n{TEST_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Les deux saisies sont différentes" in result.output
    assert TEST_PASSWORD not in result.output  # hidden input
    assert _user("admin@mairie.ml").role is Role.ADMIN


def test_unknown_role_is_refused_clearly(runner):
    result = runner.invoke(args=["users", "create", "x@mairie.ml", "--role", "maire", "--password-stdin"],
                           input=TEST_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "Rôle inconnu : « maire »" in result.output and "planner" in result.output
    assert _user("x@mairie.ml") is None


def test_unknown_pcode_creates_nothing(runner):
    owners_before = _count(PlanOwner)
    result = runner.invoke(args=["users", "create", "x@mairie.ml", "--role", "planner", "--owner", "ML010101",
                                 "--owner", "ML999999", "--password-stdin"], input=TEST_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "« ML999999 »" in result.output
    assert _user("x@mairie.ml") is None
    assert _count(PlanOwner) == owners_before  # not even the owner row of the valid first code


def test_weak_password_is_refused_in_french(runner):
    result = runner.invoke(args=["users", "create", "x@mairie.ml", "--role", "admin", "--password-stdin"],
                           input="court\n")
    assert result.exit_code == 1
    assert "au moins 10 caractères" in result.output
    assert _user("x@mairie.ml") is None


def test_duplicate_email_is_refused(runner, planner):
    result = runner.invoke(args=["users", "create", planner.email.upper(), "--role", "admin", "--password-stdin"],
                           input=TEST_PASSWORD + "\n")
    assert result.exit_code == 1 and "Un compte existe déjà" in result.output


def test_owner_by_grouping_name_ignores_case_and_accents(runner, session):
    units = [owners_service.unit_by_code(session, c) for c in ("ML010115", "ML010101")]
    name = "Syndicat intercommunal du Kénié"
    session.add(PlanOwner(kind=OwnerKind.SYNDICAT, name=name, grouping_key=search_key(name),
                          members=[GroupingMember(unit=u) for u in units]))
    session.commit()
    result = runner.invoke(args=["users", "create", "sik@mairie.ml", "--role", "planner",
                                 "--owner", "SYNDICAT INTERCOMMUNAL DU KENIE", "--password-stdin"],
                           input=TEST_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert [o.name for o in _user("sik@mairie.ml").owners] == [name]


def test_reviewer_region_by_pcode(runner):
    result = runner.invoke(args=["users", "create", "r@dgct.ml", "--role", "reviewer", "--region", "ml04",
                                 "--password-stdin"], input=TEST_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert _user("r@dgct.ml").region.display_name == "Ségou"
    result = runner.invoke(args=["users", "create", "r2@dgct.ml", "--role", "reviewer", "--region", "ML0101",
                                 "--password-stdin"], input=TEST_PASSWORD + "\n")
    assert result.exit_code == 1 and "Code de région inconnu" in result.output
    assert _user("r2@dgct.ml") is None


def test_users_list(runner, planner, reviewer):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert planner.email in result.output and "Koniakary" in result.output
    assert reviewer.email in result.output and "tout le pays" in result.output


def test_users_password_replaces_a_forgotten_password(runner, session, admin):
    result = runner.invoke(args=["users", "password", admin.email, "--password-stdin"], input="nouveau-secret-2027\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts_service.authenticate(session, admin.email, "nouveau-secret-2027") is not None
    result = runner.invoke(args=["users", "password", "personne@mairie.ml", "--password-stdin"], input="x\n")
    assert result.exit_code == 1 and "Aucun compte" in result.output
