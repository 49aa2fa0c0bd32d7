"""Backup and restore (plans/core/backup.py) on the database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL
names a server): a restore brings back exactly the content of the moment of the backup, a backup taken while
another connection writes holds only committed data, and a file that is not a backup of this app, or comes from a
newer schema, or whose schema is not exactly the one its migration makes (a table or column missing, a trigger
added), is refused in French with the database left untouched."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.cli_backup import schema_of_revision
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


@pytest.fixture
def schema_of(app):
    """The schema a revision makes, from the migrations (app/cli_backup.py): what a restore compares with."""
    with app.app_context():
        yield schema_of_revision


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
                                                               tmp_path, schema_of):
    plan_id = filled
    before = snapshot(database_url)
    assert all(before[t] for t in ("app_user", "plan", "action", "audit_entry", "admin_unit", "alembic_version"))

    info = backup.create_backup(database_url, tmp_path / "pdlm.bak")
    assert info.revision == known[-1] and info.size == (tmp_path / "pdlm.bak").stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["pdlm.bak"]  # no temporary file left

    change_everything(session, plan_id, make_user)
    assert snapshot(database_url) != before

    restored = backup.restore_backup(database_url, tmp_path / "pdlm.bak", known, schema_of)
    assert restored.revision == known[-1]
    assert snapshot(database_url) == before
    # The application's own connections (a running server's) see the restored content.
    assert session.get(Plan, plan_id).title == "PDESC de Koniakary 2025-2029"


def test_a_backup_taken_during_a_write_holds_only_committed_data(database_url, session, filled, tmp_path, known,
                                                                 schema_of):
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
    backup.restore_backup(database_url, tmp_path / "pendant.bak", known, schema_of)
    assert snapshot(database_url) == before
    assert "pas encore validé" not in session.scalars(sa.select(Plan.title)).all()


def test_a_file_that_is_not_a_backup_is_refused(database_url, filled, tmp_path, known, schema_of):
    before = snapshot(database_url)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Ceci n'est pas une sauvegarde.\n" * 50)
    with pytest.raises(backup.BackupError, match="n'est pas une sauvegarde") as caught:
        backup.restore_backup(database_url, text_file, known, schema_of)
    assert "La base n'a pas été modifiée." in str(caught.value)
    with pytest.raises(backup.BackupError, match="Fichier introuvable"):
        backup.restore_backup(database_url, tmp_path / "absent.bak", known, schema_of)
    assert snapshot(database_url) == before


def test_an_sqlite_database_of_another_application_is_refused(database_url, filled, tmp_path, known, schema_of):
    other = tmp_path / "autre.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE clients (id INTEGER PRIMARY KEY, nom TEXT)")
        connection.execute("INSERT INTO clients (nom) VALUES ('Awa')")
    connection.close()
    before = snapshot(database_url)
    expected = "pas une sauvegarde de PDL-M" if make_url(database_url).get_backend_name() == "sqlite" else \
        "n'est pas une sauvegarde PostgreSQL de PDL-M"
    with pytest.raises(backup.BackupError, match=expected):
        backup.restore_backup(database_url, other, known, schema_of)
    assert snapshot(database_url) == before


def test_a_backup_of_a_newer_schema_is_refused(database_url, session, filled, tmp_path, known, schema_of):
    session.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    session.commit()
    backup.create_backup(database_url, tmp_path / "future.bak")
    session.execute(sa.text(f"UPDATE alembic_version SET version_num = '{known[-1]}'"))
    session.commit()
    session.close()
    before = snapshot(database_url)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(database_url, tmp_path / "future.bak", known, schema_of)
    assert "version plus récente de PDL-M" in str(caught.value) and "0099_future" in str(caught.value)
    assert "mettez l'application à jour" in str(caught.value)
    assert snapshot(database_url) == before


def test_a_damaged_backup_is_refused(database_url, filled, tmp_path, known, schema_of):
    backup.create_backup(database_url, tmp_path / "pdlm.bak")
    data = bytearray((tmp_path / "pdlm.bak").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8192] = b"\xff" * 8192
    (tmp_path / "abime.bak").write_bytes(bytes(data))
    before = snapshot(database_url)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(database_url, tmp_path / "abime.bak", known, schema_of)
    assert "La base n'a pas été modifiée." in str(caught.value)
    assert snapshot(database_url) == before


def test_the_backup_target_folder_must_exist(database_url, tmp_path):
    with pytest.raises(backup.BackupError, match="n'existe pas"):
        backup.create_backup(database_url, tmp_path / "absent" / "pdlm.bak")


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def crafted_backup(database_url, session, tmp_path, known, schema_of, statements: list[str], name: str,
                   undo: tuple[str, ...] = ()) -> Path:
    """A backup of this database after `statements` (a table dropped, a trigger added...), the database then put
    back as it was (`undo`, then a genuine backup taken before); returns the crafted file."""
    genuine = tmp_path / "vraie.bak"
    backup.create_backup(database_url, genuine)
    session.close()
    for statement in statements:
        session.execute(sa.text(statement))
    session.commit()
    session.close()
    crafted = tmp_path / name
    backup.create_backup(database_url, crafted)
    for statement in undo:
        session.execute(sa.text(statement))
    session.commit()
    session.close()
    backup.restore_backup(database_url, genuine, known, schema_of)
    return crafted


def refused(database_url, crafted: Path, known, schema_of) -> str:
    before = snapshot(database_url)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(database_url, crafted, known, schema_of)
    assert "La base n'a pas été modifiée." in str(caught.value)
    assert snapshot(database_url) == before
    return str(caught.value)


def test_a_stub_with_only_the_expected_table_names_is_refused(database_url, session, filled, tmp_path, known,
                                                              schema_of):
    """The stub of the security test: a small file holding alembic_version, app_user and plan, nothing else."""
    keep = set(backup.SIGNATURE_TABLES)
    others = sorted(set(sa.inspect(session.get_bind()).get_table_names()) - keep)
    cascade = "" if _is_sqlite(database_url) else " CASCADE"
    drops = ["PRAGMA foreign_keys = OFF"] if _is_sqlite(database_url) else []
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of,
                             drops + [f'DROP TABLE "{t}"{cascade}' for t in others], "bouchon.bak")
    message = refused(database_url, crafted, known, schema_of)
    assert f"n'a pas le schéma de PDL-M qu'il annonce (révision « {known[-1]} »)" in message
    assert "la table « action » manque" in message


def test_a_backup_missing_a_column_is_refused(database_url, session, filled, tmp_path, known, schema_of):
    """Restored, it answered 500 to every login: app_user without its full_name."""
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of,
                             ["ALTER TABLE app_user DROP COLUMN full_name"], "colonne.bak")
    message = refused(database_url, crafted, known, schema_of)
    assert "la colonne « app_user.full_name » manque" in message


def test_a_backup_with_an_extra_column_or_index_is_refused(database_url, session, filled, tmp_path, known,
                                                           schema_of):
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of,
                             ["ALTER TABLE plan ADD COLUMN porte_derobee VARCHAR(20)",
                              "CREATE INDEX ix_plan_porte ON plan (title)"], "extra.bak")
    message = refused(database_url, crafted, known, schema_of)
    assert "la colonne « plan.porte_derobee » est en trop" in message and "l'index « ix_plan_porte » est en trop" \
        in message


def test_a_backup_carrying_a_trigger_is_refused(database_url, session, filled, tmp_path, known, schema_of):
    """The crafted backup whose trigger later turned a planner into an admin."""
    if _is_sqlite(database_url):
        statements = ["CREATE TRIGGER promotion AFTER UPDATE ON app_user BEGIN "
                      "UPDATE app_user SET role = 'admin' WHERE id = NEW.id; END"]
        expected = "déclencheur « promotion »"
    else:
        statements = ["CREATE FUNCTION promouvoir() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN NEW.role := 'admin'; RETURN NEW; END $$",
                      "CREATE TRIGGER promotion BEFORE UPDATE ON app_user FOR EACH ROW EXECUTE FUNCTION promouvoir()"]
        expected = "déclencheur"
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of, statements, "declencheur.bak")
    message = refused(database_url, crafted, known, schema_of)
    assert expected in message and "l'application n'en crée aucun" in message


def test_a_backup_with_a_view_is_refused(database_url, session, filled, tmp_path, known, schema_of):
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of,
                             ["CREATE VIEW comptes AS SELECT email FROM app_user"], "vue.bak",
                             undo=("DROP VIEW comptes",))
    message = refused(database_url, crafted, known, schema_of)
    assert "vue" in message and "comptes" in message


def test_a_backup_with_a_broken_reference_is_refused(database_url, session, filled, tmp_path, known, schema_of):
    """A plan pointing at no collectivité: SQLite keeps the key and foreign_key_check finds the row; on PostgreSQL
    the key must be dropped first, and its absence is what the schema check finds."""
    if _is_sqlite(database_url):
        statements = ["PRAGMA foreign_keys = OFF", "UPDATE plan SET owner_id = 999999"]
        expected = "« plan » : référence vers « plan_owner » absente"
    else:
        statements = ["ALTER TABLE plan DROP CONSTRAINT fk_plan_owner_id_plan_owner",
                      "UPDATE plan SET owner_id = 999999"]
        expected = "la clé étrangère « plan.owner_id → plan_owner (NO ACTION) » manque"
    crafted = crafted_backup(database_url, session, tmp_path, known, schema_of, statements, "reference.bak")
    assert expected in refused(database_url, crafted, known, schema_of)


def test_the_schema_of_every_revision_comes_from_the_migrations(app, schema_of, known):
    """The reference is the migrations themselves: the first revision lacks what later ones add."""
    first, head = schema_of(known[0]), schema_of(known[-1])
    assert {"alembic_version", "app_user", "admin_unit"} <= first.tables.keys()
    assert "plan" not in first.tables and "plan" in head.tables
    assert "association_section" in head.tables["funding_line"] and "association_section" not in \
        schema_of(known[2]).tables["funding_line"]
