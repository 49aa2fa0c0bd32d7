"""What every connection of the app is set to (plans/core/db.py `_connection_settings`), on the engine of the run:
SQLite enforces foreign keys and writes through WAL; PostgreSQL compiles no query (JIT cost the dashboard's first
page 0.9 s of compilation for 15 ms of work)."""
from __future__ import annotations

import sqlalchemy as sa


def test_each_connection_carries_the_settings_the_app_relies_on(session):
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
    else:
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_settings_survive_a_rollback(session):
    """The PostgreSQL setting is made outside any transaction of the app: a rolled-back transaction keeps it."""
    session.execute(sa.text("SELECT 1"))
    session.rollback()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
    else:
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
