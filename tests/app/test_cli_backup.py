"""`flask --app wsgi backup create FICHIER` / `backup restore FICHIER`: the round trip from a terminal, the
confirmation, French refusals, and an older backup brought up to the current schema after its restore."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from plans.accounts.models import Role, User
from plans.core import backup
from tests.conftest import app_config
from tests.plans.test_backup import MIGRATIONS, postgres_tools, snapshot  # noqa: F401  (postgres_tools: autouse)


def emails() -> list[str]:
    db.session.remove()
    return sorted(db.session.scalars(sa.select(User.email)))


def test_create_then_restore_from_the_command_line(runner, database_url, make_user, tmp_path):
    make_user(Role.PLANNER, email="avant@mairie.ml")
    before = snapshot(database_url)
    path = tmp_path / "pdlm-2026-03-01.bak"
    created = runner.invoke(args=["backup", "create", str(path)])
    assert created.exit_code == 0, created.output
    assert f"Sauvegarde écrite : {path}" in created.output
    assert f"schéma {backup.migration_revisions(MIGRATIONS)[-1]}" in created.output
    assert "modèle Word" in created.output  # what the backup does not hold is said

    make_user(Role.PLANNER, email="apres@mairie.ml")
    assert "apres@mairie.ml" in emails()
    restored = runner.invoke(args=["backup", "restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert f"Base restaurée depuis {path}" in restored.output
    assert "mise à jour" not in restored.output  # same schema: nothing to migrate
    assert snapshot(database_url) == before
    assert "apres@mairie.ml" not in emails() and "avant@mairie.ml" in emails()


def test_restore_asks_first_and_a_no_changes_nothing(runner, database_url, make_user, tmp_path):
    path = tmp_path / "pdlm.bak"
    assert runner.invoke(args=["backup", "create", str(path)]).exit_code == 0
    make_user(Role.PLANNER, email="apres@mairie.ml")
    before = snapshot(database_url)
    answered = runner.invoke(args=["backup", "restore", str(path)], input="n\n")
    assert answered.exit_code == 1
    assert "Tout le contenu actuel de la base sera remplacé" in answered.output
    assert "Restauration annulée ; la base n'a pas été modifiée." in answered.output
    assert snapshot(database_url) == before


def test_refusals_are_french_errors(runner, database_url, tmp_path):
    not_a_backup = tmp_path / "photo.jpg"
    not_a_backup.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 4096)
    result = runner.invoke(args=["backup", "restore", str(not_a_backup), "--yes"])
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : ") and "n'est pas une sauvegarde" in result.output
    missing = runner.invoke(args=["backup", "restore", str(tmp_path / "absent.bak"), "--yes"])
    assert missing.exit_code == 1 and "Fichier introuvable" in missing.output
    folder = runner.invoke(args=["backup", "create", str(tmp_path / "absent" / "x.bak")])
    assert folder.exit_code == 1 and "n'existe pas" in folder.output


def test_an_older_backup_is_restored_then_migrated_to_the_current_schema(runner, databases, database_url, tmp_path):
    revisions = backup.migration_revisions(MIGRATIONS)
    # An older revision whose app_user is the one the insert below writes (session_token went in 0006): pinned,
    # so that each new migration does not change what this test restores.
    older_revision = "0005"
    assert older_revision in revisions[:-1]
    older_url = databases.empty()
    older_app = create_app(app_config(older_url))
    try:
        with older_app.app_context():
            upgrade(revision=older_revision)
            db.session.execute(sa.text(
                "INSERT INTO app_user (email, full_name, password_hash, role, active, session_token, created_at) "
                "VALUES ('ancien@mairie.ml', 'Ancien', 'x', 'admin', true, 'jeton-ancien', CURRENT_TIMESTAMP)"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        info = backup.create_backup(older_url, tmp_path / "ancienne.bak")
        assert info.revision == older_revision
    finally:
        databases.drop(older_url)

    result = runner.invoke(args=["backup", "restore", str(tmp_path / "ancienne.bak"), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"mise à jour vers {revisions[-1]}" in result.output and "Schéma à jour." in result.output
    assert emails() == ["ancien@mairie.ml"]
    content = snapshot(database_url)
    assert content["alembic_version"] == [(revisions[-1],)]
    assert "audit_entry" in content and content["audit_entry"] == []  # the newer tables exist, empty
