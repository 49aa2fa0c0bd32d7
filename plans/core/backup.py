"""Backing up and restoring the whole database, while the server runs.

SQLite: SQLite's online backup API (sqlite3.Connection.backup), which copies a consistent state even while other
connections write. `create` writes the copy next to the target file and renames it into place, so a half-written
backup never carries the target's name. `restore` first copies the file next to the database and checks that copy
(an SQLite database, intact, with this app's tables, of a schema revision this installation knows), then copies it
INTO the live database with the same API: one write transaction, so every connection (gunicorn's workers
included) sees either the old content or the restored one, and the database's WAL stays consistent — which
renaming a file over a database that other processes hold open would not guarantee.

PostgreSQL: `pg_dump --format=custom` writes the backup; `pg_restore --clean --if-exists` turns it back into SQL,
which psql runs in ONE transaction (`--single-transaction`, stop at the first error): the database is either fully
restored or left as it was. Tables the backup does not have (added by a later migration) are dropped in that same
transaction, so `flask db upgrade` can then bring the restored schema up to date. The PostgreSQL client tools
(pg_dump, pg_restore, psql: Debian package postgresql-client) must be those of the server's major version or newer.

Every refusal is a BackupError with a French message.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables whose presence tells a backup of this app from any other database.
SIGNATURE_TABLES = ("alembic_version", "app_user", "plan")
LOCK_TIMEOUT = "30s"  # a restore waits this long for the server's open transactions, then gives up unchanged


class BackupError(Exception):
    """A backup or restore refused or failed; str(error) is the French message for the person at the terminal."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    engine: str  # "sqlite" or "postgresql"
    revision: str  # the Alembic revision of the backed-up schema
    size: int  # bytes of the backup file


def migration_revisions(migrations_dir: str | Path) -> list[str]:
    """The Alembic revisions of this installation, oldest first (the last one is the head)."""
    script = ScriptDirectory(str(migrations_dir))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _check_revision(revision: Optional[str], known: Sequence[str], source: Path) -> str:
    if not revision:
        raise BackupError(f"« {source} » n'est pas une sauvegarde de PDL-M : la version de son schéma est absente.")
    if revision not in known:
        raise BackupError(f"La sauvegarde « {source} » vient d'une version plus récente de PDL-M (révision de schéma "
                          f"« {revision} », inconnue de cette installation) : mettez l'application à jour avant de "
                          "la restaurer. La base n'a pas été modifiée.")
    return revision


def _engine_name(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Base de données non prise en charge pour la sauvegarde : {backend}.")
    return backend


def _temporary_path(target: Path) -> Path:
    """A fresh name in the target's directory (so that the final rename stays on one file system)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def create_backup(database_url: str, target: str | Path) -> BackupInfo:
    """Writes a backup of the database to `target` (replaced if it exists)."""
    url = make_url(database_url)
    target = Path(target).resolve()
    if not target.parent.is_dir():
        raise BackupError(f"Le dossier « {target.parent} » n'existe pas.")
    temporary = _temporary_path(target)
    try:
        if _engine_name(url) == "sqlite":
            _sqlite_backup(_sqlite_path(url), temporary)
            revision = _sqlite_revision(temporary)
        else:
            _run([_tool("pg_dump"), "--format=custom", f"--file={temporary}"], _pg_environment(url),
                 "pg_dump n'a pas pu sauvegarder la base")
            revision = _pg_archive_revision(temporary)
        _fsync(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return BackupInfo(path=target, engine=url.get_backend_name(), revision=revision or "", size=target.stat().st_size)


def restore_backup(database_url: str, source: str | Path, known_revisions: Sequence[str]) -> BackupInfo:
    """Replaces the whole content of the database with the backup `source`, after checking it is a backup of this
    app whose schema revision is in `known_revisions`. Nothing is changed when it is refused or fails."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Fichier introuvable : « {source} ».")
    if _engine_name(url) == "sqlite":
        revision = _sqlite_restore(_sqlite_path(url), source, known_revisions)
    else:
        revision = _pg_restore(url, source, known_revisions)
    return BackupInfo(path=source, engine=url.get_backend_name(), revision=revision, size=source.stat().st_size)


# ---------------------------------------------------------------------------------------------------------------
# SQLite


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("Une base SQLite en mémoire ne se sauvegarde pas.")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"La base SQLite « {path} » n'existe pas.")
    return path


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    connection = sqlite3.connect(target, uri=read_only, timeout=30)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _sqlite_backup(source: Path, target: Path, read_only: bool = False) -> None:
    """A consistent copy of `source` (other connections may write meanwhile) as a single self-contained file."""
    try:
        src = _connect(source, read_only)
    except sqlite3.Error as error:
        raise BackupError(f"« {source} » ne peut pas être ouvert : {error}.") from error
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise BackupError(f"La copie de « {source} » a échoué : {error}.") from error
    finally:
        src.close()


def _sqlite_schema(path: Path) -> tuple[set[str], Optional[str], str]:
    """The tables of an SQLite file, its Alembic revision (None without one) and the result of its quick check."""
    connection = _connect(path, read_only=True)
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone() \
            if "alembic_version" in tables else None
    finally:
        connection.close()
    return tables, (row[0] if row else None), (check[0] if check else "?")


def _sqlite_revision(path: Path) -> Optional[str]:
    return _sqlite_schema(path)[1]


def _sqlite_restore(database: Path, source: Path, known: Sequence[str]) -> str:
    unchanged = "La base n'a pas été modifiée."
    with open(source, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"« {source} » n'est pas une sauvegarde SQLite de PDL-M (ce n'est pas une base "
                              f"SQLite). {unchanged}")
    staged = _temporary_path(database)  # the exact bytes that will be restored, checked before anything changes
    try:
        try:
            _sqlite_backup(source, staged, read_only=True)
            tables, revision, check = _sqlite_schema(staged)
        except (sqlite3.Error, BackupError) as error:
            raise BackupError(f"« {source} » est une base SQLite illisible ou endommagée ({error}). {unchanged}") \
                from error
        if check != "ok":
            raise BackupError(f"« {source} » est une base SQLite endommagée ({check}). {unchanged}")
        if not set(SIGNATURE_TABLES) <= tables:
            raise BackupError(f"« {source} » est une base SQLite, mais pas une sauvegarde de PDL-M (ses tables ne "
                              f"sont pas celles de l'application). {unchanged}")
        revision = _check_revision(revision, known, source)
        staged_connection = _connect(staged, read_only=True)
        live = _connect(database)
        try:
            staged_connection.backup(live)  # one write transaction on the live database
        except sqlite3.Error as error:
            raise BackupError(f"La restauration a échoué ({error}). {unchanged}") from error
        finally:
            live.close()
            staged_connection.close()
    finally:
        staged.unlink(missing_ok=True)
    return revision


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} introuvable : installez les outils clients de PostgreSQL (paquet Debian "
                          "postgresql-client), de la version du serveur ou plus récents.")
    return path


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for the database of `url` (the password stays out of the command line)."""
    env = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database),
                            ("PGSSLMODE", url.query.get("sslmode"))):
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str] | None, failure: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, **kwargs)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{failure} : {detail[-1] if detail else 'code ' + str(result.returncode)}.")
    return result


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.MULTILINE)


def _pg_archive_tables(archive: Path) -> set[str]:
    """The tables of a pg_dump custom archive; BackupError if the file is not one."""
    result = subprocess.run([_tool("pg_restore"), "--list", str(archive)], capture_output=True)
    if result.returncode != 0:
        raise BackupError(f"« {archive} » n'est pas une sauvegarde PostgreSQL de PDL-M (format personnalisé de "
                          "pg_dump attendu). La base n'a pas été modifiée.")
    return {name for schema, name in _TOC_TABLE.findall(result.stdout.decode(errors="replace"))
            if schema == "public"}


def _pg_archive_revision(archive: Path) -> Optional[str]:
    result = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(archive)], None,
                  f"Lecture de « {archive} » impossible")
    lines = result.stdout.decode(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            value = lines[index + 1] if index + 1 < len(lines) else ""
            return None if value == "\\." else value.strip()
    return None


def _pg_restore(url: URL, archive: Path, known: Sequence[str]) -> str:
    tables = _pg_archive_tables(archive)
    if not set(SIGNATURE_TABLES) <= tables:
        raise BackupError(f"« {archive} » est une sauvegarde PostgreSQL, mais pas de PDL-M (ses tables ne sont pas "
                          "celles de l'application). La base n'a pas été modifiée.")
    revision = _check_revision(_pg_archive_revision(archive), known, archive)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        current = set(sa.inspect(engine).get_table_names(schema="public"))
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="pdlm-restore-") as workdir:
        script = Path(workdir) / "restore.sql"
        with open(script, "w", encoding="utf-8") as out:
            out.write(f"SET lock_timeout = '{LOCK_TIMEOUT}';\n")
            for table in sorted(current - tables):  # from a later migration than the backup's
                out.write(f'DROP TABLE IF EXISTS public."{table}" CASCADE;\n')
        with open(script, "ab") as out:
            result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                                     "--file=-", str(archive)], stdout=out, stderr=subprocess.PIPE)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise BackupError(f"pg_restore n'a pas pu lire « {archive} » : {detail[-1] if detail else '?'}. "
                              "La base n'a pas été modifiée.")
        result = subprocess.run([_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
                                 "--set=ON_ERROR_STOP=1", f"--file={script}"], env=_pg_environment(url),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise BackupError(f"La restauration a échoué et a été annulée ({detail[-1] if detail else '?'}). "
                              "La base n'a pas été modifiée.")
    return revision
