"""`flask --app wsgi backup create FICHIER` and `backup restore FICHIER` (the logic: plans/core/backup.py)."""
from __future__ import annotations

import tempfile
import time
from functools import lru_cache
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import Migrate, upgrade

from app.extensions import db
from plans.core import backup, limits
from plans.execution import evidence

# A stored piece is at most what was sent, re-encoded: a PNG's pixels written again may take a few times more.
STORED_FILE_BYTES = 4 * limits.EVIDENCE_BYTES


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _known_revisions() -> list[str]:
    return backup.migration_revisions(current_app.extensions["migrate"].directory)


@lru_cache(maxsize=8)
def _schema_at(directory: str, revision: str) -> backup.Schema:
    with tempfile.TemporaryDirectory(prefix="pdlm-schema-") as folder:
        scratch = Flask("pdlm_schema", instance_path=folder)
        scratch.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder}/schema.sqlite3"
        db.init_app(scratch)
        Migrate(scratch, db, directory=directory)
        with scratch.app_context():
            upgrade(directory=directory, revision=revision)
            try:
                return backup.Schema.of(db.engine)
            finally:
                db.engine.dispose()


def schema_of_revision(revision: str) -> backup.Schema:
    """The schema the migrations make up to `revision`, read from a scratch SQLite database migrated to it: what
    `backup restore` compares a backup with (plans/core/backup.py). Cached: a revision's schema never changes."""
    return _schema_at(current_app.extensions["migrate"].directory, revision)


def _evidence_folder():
    return Path(current_app.config.get("EVIDENCE_DIR") or evidence.folder_of(current_app.instance_path))


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} Mo".replace(".", ",")


@click.group("backup", help="Sauvegarde et restauration de la base (possibles pendant que le serveur tourne).")
def backup_group():
    pass


@backup_group.command("create", help="Écrit une sauvegarde de toute la base dans FICHIER (remplacé s'il existe). "
                                     "SQLite : copie cohérente par l'API de sauvegarde de SQLite ; PostgreSQL : "
                                     "pg_dump au format personnalisé. Exemple : backup create pdlm-2026-03-01.bak")
@click.argument("path", metavar="FICHIER")
def backup_create(path: str):
    started = time.perf_counter()
    db.session.remove()
    try:
        info = backup.create_backup(_database_url(), path)
    except backup.BackupError as error:
        _fail(str(error))
    # after the database: a file added meanwhile is one more file, never a row without its file
    files = backup.files_archive_path(info.path)
    count = backup.create_files_archive(_evidence_folder(), files, evidence.STORED_NAME)
    click.echo(f"Sauvegarde écrite : {info.path} ({_size(info.size)}, schéma {info.revision or 'inconnu'}, "
               f"{time.perf_counter() - started:.1f} s).")
    click.echo(f"Pièces de l'exécution (photos, documents) : {count} fichier(s) dans {files}, à garder avec "
               "la sauvegarde.")
    click.echo("Les autres fichiers du dossier instance/ (modèle Word envoyé) ne sont pas dans la sauvegarde : "
               "copiez-les à part.")


@backup_group.command("restore", help="Remplace TOUT le contenu de la base par la sauvegarde FICHIER. Refuse un "
                                      "fichier qui n'est pas une sauvegarde de PDL-M ou qui vient d'une version plus "
                                      "récente ; met ensuite le schéma à jour si la sauvegarde est plus ancienne.")
@click.argument("path", metavar="FICHIER")
@click.option("--yes", "confirmed", is_flag=True, help="Ne demande pas de confirmation.")
def backup_restore(path: str, confirmed: bool):
    if not confirmed and not click.confirm("Tout le contenu actuel de la base sera remplacé par cette sauvegarde. "
                                           "Continuer ?"):
        _fail("Restauration annulée ; la base n'a pas été modifiée.")
    started = time.perf_counter()
    db.session.remove()
    db.engine.dispose()  # no connection of this process holds the database during the restore
    known = _known_revisions()
    files = backup.files_archive_path(path)
    try:
        if files.is_file():  # checked whole before the database is touched
            backup.check_files_archive(files, evidence.STORED_NAME, STORED_FILE_BYTES)
        info = backup.restore_backup(_database_url(), path, known, schema_of_revision)
        count = backup.restore_files_archive(files, _evidence_folder(), evidence.STORED_NAME, STORED_FILE_BYTES) \
            if files.is_file() else None
    except backup.BackupError as error:
        _fail(str(error))
    db.engine.dispose()
    click.echo(f"Base restaurée depuis {info.path} (schéma {info.revision}, "
               f"{time.perf_counter() - started:.1f} s).")
    if count is None:
        click.echo(f"Pas de fichier {files.name} à côté de la sauvegarde : les pièces de l'exécution (photos, "
                   "documents) du dossier instance/ sont restées telles quelles.")
    else:
        click.echo(f"Pièces de l'exécution restaurées : {count} fichier(s).")
    if info.revision != known[-1]:
        click.echo(f"La sauvegarde est d'un schéma plus ancien : mise à jour vers {known[-1]}…")
        upgrade()
        click.echo("Schéma à jour.")
