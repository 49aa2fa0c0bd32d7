"""Backup and restore (plans/core/backup.py) on the database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL
names a server): a restore brings back exactly the content of the moment of the backup, a backup taken while
another connection writes holds only committed data, and a file that is not a backup of this app, or comes from a
newer schema, is refused in French with the database left untouched."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from plans.accounts.models import Role
from plans.core import audit as audit_service
from plans.core import backup
from plans.planning.models import Action, Plan
from tests.conftest import require_tool
from tests.databases import server_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture
def known():
    return backup.migration_revisions(MIGRATIONS)


@pytest.fixture(autouse=True)
def postgres_tools():
    if server_url():
        for tool in ("pg_dump", "pg_restore", "psql"):
            require_tool(tool, "postgresql-client")


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), in primary-key order."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            content = {}
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                content[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
            return content
    finally:
        engine.dispose()


@pytest.fixture
def filled(session, make_user, plan):
    """A plan with actions, accounts and journal entries (the main tables all have rows); returns the plan's id."""
    plan_id = plan.id
    for title, cost in (("Forage pastoral", 25_000_000), ("Extension du CSCOM", 45_000_000)):
        session.add(Action(plan=plan, sector="sante", title=title, unit_cost=cost))
    reviewer = make_user(Role.REVIEWER, email="relecteur@dgct.ml")
    audit_service.record(session, reviewer, "user.create", "relecteur@dgct.ml", {"role": "reviewer"}, "10.0.0.1")
    session.commit()
    session.close()
    return plan_id


def change_everything(session, plan_id: int, make_user) -> None:
    plan = session.get(Plan, plan_id)
    plan.title = "Titre changé après la sauvegarde"
    session.delete(session.scalars(sa.select(Action).where(Action.plan_id == plan_id)).first())
    make_user(Role.PLANNER, email="nouveau@mairie.ml")
    audit_service.record(session, None, "auth.lockout", "x@mairie.ml")
    session.commit()
    session.close()


def test_restore_brings_back_exactly_the_content_of_the_backup(database_url, session, filled, make_user, known,
                                                               tmp_path):
    plan_id = filled
    before = snapshot(database_url)
    assert all(before[t] for t in ("app_user", "plan", "action", "audit_entry", "admin_unit", "alembic_version"))

    info = backup.create_backup(database_url, tmp_path / "pdlm.bak")
    assert info.revision == known[-1] and info.size == (tmp_path / "pdlm.bak").stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["pdlm.bak"]  # no temporary file left

    change_everything(session, plan_id, make_user)
    assert snapshot(database_url) != before

    restored = backup.restore_backup(database_url, tmp_path / "pdlm.bak", known)
    assert restored.revision == known[-1]
    assert snapshot(database_url) == before
    # The application's own connections (a running server's) see the restored content.
    assert session.get(Plan, plan_id).title == "PDESC de Koniakary 2025-2029"


def test_a_backup_taken_during_a_write_holds_only_committed_data(database_url, session, filled, tmp_path, known):
    session.close()
    writer = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with writer.connect() as connection:
            transaction = connection.begin()
            connection.execute(sa.text("UPDATE plan SET title = 'pas encore validé'"))
            info = backup.create_backup(database_url, tmp_path / "pendant.bak")  # the writer still holds its lock
            transaction.rollback()
    finally:
        writer.dispose()
    assert info.revision == known[-1]
    before = snapshot(database_url)
    session.execute(sa.text("UPDATE plan SET title = 'autre'"))
    session.commit()
    session.close()
    backup.restore_backup(database_url, tmp_path / "pendant.bak", known)
    assert snapshot(database_url) == before
    assert "pas encore validé" not in session.scalars(sa.select(Plan.title)).all()


def test_a_file_that_is_not_a_backup_is_refused(database_url, filled, tmp_path, known):
    before = snapshot(database_url)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Ceci n'est pas une sauvegarde.\n" * 50)
    with pytest.raises(backup.BackupError, match="n'est pas une sauvegarde") as caught:
        backup.restore_backup(database_url, text_file, known)
    assert "La base n'a pas été modifiée." in str(caught.value)
    with pytest.raises(backup.BackupError, match="Fichier introuvable"):
        backup.restore_backup(database_url, tmp_path / "absent.bak", known)
    assert snapshot(database_url) == before


def test_an_sqlite_database_of_another_application_is_refused(database_url, filled, tmp_path, known):
    other = tmp_path / "autre.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE clients (id INTEGER PRIMARY KEY, nom TEXT)")
        connection.execute("INSERT INTO clients (nom) VALUES ('Awa')")
    connection.close()
    before = snapshot(database_url)
    expected = "pas une sauvegarde de PDL-M" if make_url(database_url).get_backend_name() == "sqlite" else \
        "n'est pas une sauvegarde PostgreSQL de PDL-M"
    with pytest.raises(backup.BackupError, match=expected):
        backup.restore_backup(database_url, other, known)
    assert snapshot(database_url) == before


def test_a_backup_of_a_newer_schema_is_refused(database_url, session, filled, tmp_path, known):
    session.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    session.commit()
    backup.create_backup(database_url, tmp_path / "future.bak")
    session.execute(sa.text(f"UPDATE alembic_version SET version_num = '{known[-1]}'"))
    session.commit()
    session.close()
    before = snapshot(database_url)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(database_url, tmp_path / "future.bak", known)
    assert "version plus récente de PDL-M" in str(caught.value) and "0099_future" in str(caught.value)
    assert "mettez l'application à jour" in str(caught.value)
    assert snapshot(database_url) == before


def test_a_damaged_backup_is_refused(database_url, filled, tmp_path, known):
    backup.create_backup(database_url, tmp_path / "pdlm.bak")
    data = bytearray((tmp_path / "pdlm.bak").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8192] = b"\xff" * 8192
    (tmp_path / "abime.bak").write_bytes(bytes(data))
    before = snapshot(database_url)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(database_url, tmp_path / "abime.bak", known)
    assert "La base n'a pas été modifiée." in str(caught.value)
    assert snapshot(database_url) == before


def test_the_backup_target_folder_must_exist(database_url, tmp_path):
    with pytest.raises(backup.BackupError, match="n'existe pas"):
        backup.create_backup(database_url, tmp_path / "absent" / "pdlm.bak")
