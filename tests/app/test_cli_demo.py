"""`flask demo seed`, `flask plans list` and the demo data of `flask setup` on a new database."""
import re

import sqlalchemy as sa

from app.extensions import db
from plans.accounts import service as accounts_service
from plans.accounts.models import User
from plans.demo import data as D
from plans.planning.models import Plan


def _plans():
    db.session.expire_all()
    return db.session.scalars(sa.select(Plan).order_by(Plan.id)).all()


def test_demo_seed_creates_the_test_cases_then_random_plans(runner):
    result = runner.invoke(args=["demo", "seed", "--plans", "2", "--actions", "6", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.count("créé ") == 5
    assert "PDESC de la commune de Koniakary 2025-2029 — Commune de Koniakary — 4 action(s), 160 000 000 FCFA" \
        in result.output
    assert "2 plan(s) aléatoire(s) créé(s), 12 actions" in result.output
    assert len(_plans()) == 5

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    assert again.output.count("déjà présent") == 3 and "créé " not in again.output
    assert len(_plans()) == 5


def test_plans_list(runner):
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["plans", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    # Koniakary's demo plan is adopted, its 2025 execution recorded (plans/demo/execution.py).
    assert re.fullmatch(r"\d+  [0-9a-f]{8}…  Commune de Koniakary {2,}adopte {5}2025-2029", lines[0])
    assert re.fullmatch(rf"\d+  [0-9a-f]{{8}}…  {re.escape(D.YELIMANE_NAME)}  brouillon  2025-2029", lines[1])
    assert lines[2].endswith("GLCT-Kénédougou                                      brouillon  2025-2027")
    assert len({line.index("2025-20") for line in lines}) == 1  # aligned

    only = runner.invoke(args=["plans", "list", "--owner", "ML010115", "--full-uuid"])
    assert only.exit_code == 0 and len(only.output.splitlines()) == 1 and D.TC1_UUID in only.output
    glct = runner.invoke(args=["plans", "list", "--owner", "glct-kenedougou"])
    assert glct.output.splitlines()[0].endswith("2025-2027")
    none = runner.invoke(args=["plans", "list", "--owner", "ML010101"])
    assert none.exit_code == 0 and "Aucun plan" in none.output
    unknown = runner.invoke(args=["plans", "list", "--owner", "ML999999"])
    assert unknown.exit_code == 1 and "« ML999999 »" in unknown.output


def test_setup_on_a_new_database_seeds_accounts_and_the_three_plans_once(app, runner):
    app.config["DEMO_DATA"] = True
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    emails = ["admin@demo.ml", "relecteur@demo.ml", "planificateur@koniakary.demo.ml", D.SICM_PLANNER_EMAIL,
              D.KENEDOUGOU_PLANNER_EMAIL]
    passwords = {}
    for email in emails:
        match = re.search(rf"{re.escape(email)}\s+mot de passe : (\S+)", result.output)
        assert match, result.output
        passwords[email] = match.group(1)
    for email, password in passwords.items():
        assert accounts_service.authenticate(db.session, email, password) is not None
    plans = _plans()
    assert [p.uuid for p in plans] == list(D.TEST_CASE_UUIDS)
    assert result.output.count("créé ") == 3
    by_email = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert [p.created_by_id for p in plans] == [by_email[e].id for e in emails[2:]]
    assert [[o.id for o in by_email[e].owners] for e in emails[2:]] == [[p.owner_id] for p in plans]

    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert "mot de passe" not in second.output and "créé" not in second.output
    assert len(_plans()) == 3
