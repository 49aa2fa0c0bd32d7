"""Migrations: an empty database goes to head, back to base and up again; and the models match the migrations.

Runs on the active backend: SQLite by default, PostgreSQL when DATABASE_URL names a server (tests/databases.py).
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from plans.core import ids
from tests.conftest import app_config as config_for


@pytest.fixture
def empty_app(databases):
    url = databases.empty()
    app = create_app(config_for(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def _heads() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(config).get_heads())


def _current() -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_one_head(empty_app):
    assert len(_heads()) == 1, f"several Alembic heads, merge them: {_heads()}"


def test_upgrade_downgrade_upgrade(empty_app):
    model_tables = set(db.metadata.tables)
    assert _tables() == set()

    upgrade()
    assert _current() == _heads()
    assert model_tables <= _tables(), model_tables - _tables()

    downgrade(revision="base")
    assert _current() == set()
    assert _tables() <= {"alembic_version"}, "downgrade to base left tables behind"

    upgrade()
    assert _current() == _heads()
    assert model_tables <= _tables()


def test_models_and_migrations_agree(empty_app):
    """Autogenerate finds nothing to do after upgrade: every model change comes with its migration."""
    upgrade()
    options = dict(current_app.extensions["migrate"].configure_args)  # compare_type, render_as_batch
    options.pop("process_revision_directives", None)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == [], ("the models differ from the migrations; write one with "
                               "`flask --app wsgi db migrate -m '…'` and review it:\n"
                               + "\n".join(map(repr, differences)))


def test_0007_makes_uuids_canonical_and_keeps_each_to_its_plan(empty_app):
    """Rows written before 0007 (issue 14, item 4): an upper-case copy of another collectivité's plan uuid, an
    action uuid twice in one plan (in two cases), one action uuid in two plans, comments anchored to them."""
    upgrade(revision="0006")
    victim, hijack = "3f2a2c1e-9b7d-4c1e-8f00-0123456789ab", "3F2A2C1E-9B7D-4C1E-8F00-0123456789AB"
    mine = "AAAAAAAA-0000-4000-8000-00000000000A"
    shared, twice = "11111111-2222-4333-8444-5555555555ee", "99999999-8888-4777-8666-5555555555ff"
    now = "2026-01-01 00:00:00"
    with db.engine.begin() as c:
        for owner_id, name in ((1, "Koniakary"), (2, "Kayes")):
            c.execute(sa.text("INSERT INTO plan_owner (id, kind, name, created_at, updated_at, version_id) "
                              "VALUES (:i, 'commune', :n, :t, :t, 1)"), {"i": owner_id, "n": name, "t": now})
        for plan_id, plan_uuid, owner_id in ((1, victim, 1), (2, hijack, 2), (3, mine, 2)):
            c.execute(sa.text(
                "INSERT INTO plan (id, uuid, revision, owner_id, title, period_start, period_end, guide_version, "
                "status, facilitators, process_funders, summary, created_at, updated_at) VALUES (:i, :u, 1, :o, "
                "'PDESC', 2025, 2029, '2018', 'brouillon', '', '', '', :t, :t)"),
                {"i": plan_id, "u": plan_uuid, "o": owner_id, "t": now})
        for action_id, plan_id, action_uuid in ((1, 1, shared), (2, 2, shared.upper()), (3, 3, twice.upper()),
                                                (4, 3, twice)):
            c.execute(sa.text(
                "INSERT INTO action (id, uuid, plan_id, position, sector, sub_sector, title, expected_results, "
                "localities, quantity, unit, unit_cost, override_reason, maitre_ouvrage, tags, status, "
                "location_precision, version_id, updated_at) VALUES (:i, :u, :p, 0, 'sante', '', 'Puits', '', '', "
                "1, '', 0, '', '', '', 'prevu', 'exacte', 1, :t)"), {"i": action_id, "u": action_uuid, "p": plan_id,
                                                                      "t": now})
        for comment_id, plan_id, action_uuid in ((1, 1, shared), (2, 2, shared.upper()), (3, 3, twice.upper())):
            c.execute(sa.text("INSERT INTO plan_comment (id, plan_id, action_uuid, body, created_at) "
                              "VALUES (:i, :p, :u, 'À revoir', :t)"), {"i": comment_id, "p": plan_id,
                                                                        "u": action_uuid, "t": now})
    upgrade()
    with db.engine.connect() as c:
        plans = dict(c.execute(sa.text("SELECT id, uuid FROM plan")).all())
        actions = dict(c.execute(sa.text("SELECT id, uuid FROM action")).all())
        comments = dict(c.execute(sa.text("SELECT id, action_uuid FROM plan_comment")).all())
    assert plans[1] == victim  # the collectivité that had the canonical form keeps its plan's identity
    assert plans[2] not in (victim, hijack) and plans[2] == plans[2].lower()
    assert plans[3] == mine.lower()
    assert actions[1] == shared and comments[1] == shared
    assert actions[2] == str(uuid.uuid5(ids.ACTION_NAMESPACE, f"{plans[2]}/{shared}")) == comments[2]
    assert actions[4] == twice and actions[3] not in (twice, twice.upper()) and comments[3] == twice
    assert all(v == v.lower() for v in [*plans.values(), *actions.values(), *comments.values()])
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as c:
        c.execute(sa.text("UPDATE action SET uuid = :u WHERE id = 3"), {"u": twice})
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as c:
            c.execute(sa.text("UPDATE plan SET uuid = :u WHERE id = 3"), {"u": mine})
    downgrade(revision="0006")
    upgrade()
