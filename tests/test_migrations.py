"""Migrations: an empty database goes to head, back to base and up again; and the models match the migrations.

Runs on the active backend: SQLite by default, PostgreSQL when DATABASE_URL names a server (tests/databases.py).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
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
