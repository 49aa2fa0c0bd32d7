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

Before anything is replaced, the backup's whole schema is compared with the one its migration makes (`Schema`,
given by the caller for the revision the backup claims: app/cli_backup.py builds it by migrating a scratch
database): the same tables with the same columns, the same named indexes, and nothing the application never
creates — no trigger, view, function or rule, which could run code or rewrite rows once restored. An SQLite
backup must also pass `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.

Files kept beside the database (the evidence of execution, plans/execution/evidence.py) travel in a second file
next to the backup, `<backup>.fichiers.tar` (`create_files_archive`): the database is copied first, then the
files, so a file added meanwhile is at worst one more file without its row, never a row without its file. A
restore checks every member of that archive before anything is changed (a regular file, a name of the caller's
pattern — no absolute path, no `..`, no link — and a bounded size), then replaces the folder's content whole
(`restore_files_archive`): unpacked next to it, then swapped by renames.

Every refusal is a BackupError with a French message.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables whose presence tells a backup of this app from any other database.
SIGNATURE_TABLES = ("alembic_version", "app_user", "plan")
LOCK_TIMEOUT = "30s"  # a restore waits this long for the server's open transactions, then gives up unchanged


UNCHANGED = "La base n'a pas été modifiée."
# The only kinds of object a pg_dump archive of this app holds (pg_restore --list); any other is refused.
PG_ALLOWED_ENTRIES = ("TABLE DATA", "TABLE", "SEQUENCE OWNED BY", "SEQUENCE SET", "SEQUENCE", "DEFAULT",
                      "FK CONSTRAINT", "CONSTRAINT", "INDEX")
PG_KIND_NAMES = {"TRIGGER": "déclencheur", "VIEW": "vue", "MATERIALIZED VIEW": "vue matérialisée",
                 "FUNCTION": "fonction", "PROCEDURE": "procédure", "RULE": "règle", "POLICY": "politique d'accès",
                 "EVENT TRIGGER": "déclencheur d'événement", "EXTENSION": "extension", "TYPE": "type"}


class BackupError(Exception):
    """A backup or restore refused or failed; str(error) is the French message for the person at the terminal."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    engine: str  # "sqlite" or "postgresql"
    revision: str  # the Alembic revision of the backed-up schema
    size: int  # bytes of the backup file


@dataclass(frozen=True)
class Schema:
    """What the migrations make: each table's columns, and the indexes created by name (those SQLite and
    PostgreSQL make by themselves for primary keys and unique constraints are not listed)."""

    tables: dict[str, frozenset[str]]
    indexes: frozenset[str]
    foreign_keys: frozenset[tuple[str, tuple[str, ...], str, str]]  # table, columns, referred table, ON DELETE

    @classmethod
    def of(cls, engine: sa.Engine) -> "Schema":
        inspector = sa.inspect(engine)
        tables = {t: frozenset(c["name"] for c in inspector.get_columns(t)) for t in inspector.get_table_names()}
        indexes = frozenset(i["name"] for t in tables for i in inspector.get_indexes(t)
                            if i.get("name") and not i["name"].startswith("sqlite_autoindex_"))
        keys = frozenset((t, tuple(fk["constrained_columns"]), fk["referred_table"],
                          _on_delete(fk.get("options", {}).get("ondelete")))
                         for t in tables for fk in inspector.get_foreign_keys(t))
        return cls(tables, indexes, keys)


def _on_delete(rule: Optional[str]) -> str:
    return (rule or "NO ACTION").upper()


def _key_name(key: tuple[str, tuple[str, ...], str, str]) -> str:
    table, columns, referred, rule = key
    return f"{table}.{', '.join(columns)} → {referred} ({rule})"


SchemaOf = Callable[[str], Schema]  # the schema a revision makes


def schema_problems(found: Schema, expected: Schema) -> list[str]:
    """What a backup's schema lacks or has beyond what its migration makes, in French; [] when they agree."""
    problems = [f"la table « {t} » manque" for t in sorted(expected.tables.keys() - found.tables.keys())]
    problems += [f"la table « {t} » est en trop" for t in sorted(found.tables.keys() - expected.tables.keys())]
    for table in sorted(expected.tables.keys() & found.tables.keys()):
        problems += [f"la colonne « {table}.{c} » manque" for c in sorted(expected.tables[table] - found.tables[table])]
        problems += [f"la colonne « {table}.{c} » est en trop"
                     for c in sorted(found.tables[table] - expected.tables[table])]
    problems += [f"l'index « {i} » manque" for i in sorted(expected.indexes - found.indexes)]
    problems += [f"l'index « {i} » est en trop" for i in sorted(found.indexes - expected.indexes)]
    problems += [f"la clé étrangère « {_key_name(k)} » manque"
                 for k in sorted(expected.foreign_keys - found.foreign_keys)]
    problems += [f"la clé étrangère « {_key_name(k)} » est en trop"
                 for k in sorted(found.foreign_keys - expected.foreign_keys)]
    return problems


def _refuse_schema(source: Path, revision: str, problems: list[str]) -> None:
    if problems:
        shown = "; ".join(problems[:8]) + (f" (et {len(problems) - 8} autres)" if len(problems) > 8 else "")
        raise BackupError(f"« {source} » n'a pas le schéma de PDL-M qu'il annonce (révision « {revision} ») : "
                          f"{shown}. {UNCHANGED}")


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


def restore_backup(database_url: str, source: str | Path, known_revisions: Sequence[str],
                   schema_of: SchemaOf) -> BackupInfo:
    """Replaces the whole content of the database with the backup `source`, after checking it is a backup of this
    app whose schema revision is in `known_revisions` and whose schema is exactly the one `schema_of(revision)`
    gives. Nothing is changed when it is refused or fails."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Fichier introuvable : « {source} ».")
    if _engine_name(url) == "sqlite":
        revision = _sqlite_restore(_sqlite_path(url), source, known_revisions, schema_of)
    else:
        revision = _pg_restore(url, source, known_revisions, schema_of)
    return BackupInfo(path=source, engine=url.get_backend_name(), revision=revision, size=source.stat().st_size)


# ---------------------------------------------------------------------------------------------------------------
# Files beside the database

FILES_SUFFIX = ".fichiers.tar"


def files_archive_path(backup_path: str | Path) -> Path:
    """Where the files of the backup `backup_path` are: beside it, its name plus FILES_SUFFIX."""
    backup_path = Path(backup_path).resolve()
    return backup_path.with_name(backup_path.name + FILES_SUFFIX)


def create_files_archive(folder: str | Path, target: str | Path, allowed: re.Pattern) -> int:
    """Writes the files of `folder` whose path (relative, with /) matches `allowed` as an uncompressed tar at
    `target` (replaced; an empty archive when there are none, so that a restore knows there were none); returns
    how many. Written under a temporary name, then renamed."""
    folder, target = Path(folder), Path(target)
    temporary = _temporary_path(target)
    count = 0
    try:
        with tarfile.open(temporary, "w", format=tarfile.PAX_FORMAT) as archive:
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    name = path.relative_to(folder).as_posix()
                    if path.is_file() and not path.is_symlink() and allowed.match(name):
                        archive.add(path, arcname=name, recursive=False)
                        count += 1
        _fsync(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def check_files_archive(source: str | Path, allowed: re.Pattern, max_member_bytes: int) -> int:
    """How many files the archive holds; BackupError (French) if it is not a tar of such files only."""
    source = Path(source)
    try:
        with tarfile.open(source, "r:") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"« {source} » n'est pas une archive des fichiers de PDL-M ({error}). {UNCHANGED}") \
            from None
    for member in members:
        if not member.isfile() or not allowed.match(member.name):
            raise BackupError(f"« {source} » contient « {member.name[:100]} », qui n'est pas un fichier de PDL-M. "
                              f"{UNCHANGED}")
        if member.size > max_member_bytes:
            raise BackupError(f"« {source} » contient « {member.name} », trop grand ({member.size} octets). "
                              f"{UNCHANGED}")
    return len(members)


def restore_files_archive(source: str | Path, folder: str | Path, allowed: re.Pattern,
                          max_member_bytes: int) -> int:
    """Replaces the content of `folder` with the files of the archive (checked first); returns how many."""
    source, folder = Path(source), Path(folder)
    count = check_files_archive(source, allowed, max_member_bytes)
    folder.parent.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    old = folder.with_name(f".{folder.name}.{secrets.token_hex(6)}.old")
    try:
        with tarfile.open(source, "r:") as archive:
            for member in archive.getmembers():  # each checked above: a regular file of an allowed name
                target = unpacked / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as data, open(target, "wb") as out:
                    shutil.copyfileobj(data, out)
        if folder.exists():
            os.replace(folder, old)
        os.replace(unpacked, folder)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return count


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


@dataclass(frozen=True)
class _SqliteFile:
    schema: Schema
    revision: Optional[str]  # None without an alembic_version row
    problems: list[str]  # integrity, and objects the app never creates (views, triggers)
    broken_references: list[str]  # foreign_key_check (read only when the file is intact)


def _sqlite_file(path: Path) -> _SqliteFile:
    """What an SQLite file holds, read without trusting it: tables and columns, named indexes, revision, and what
    integrity_check, foreign_key_check and sqlite_master say is wrong or foreign to the app."""
    connection = _connect(path, read_only=True)
    try:
        problems = [f"contrôle d'intégrité : {row[0]}" for row in connection.execute("PRAGMA integrity_check")
                    if row[0] != "ok"][:5]
        objects = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
        kinds = {"trigger": "déclencheur", "view": "vue"}
        problems += [f"{kinds[kind]} « {name} » (l'application n'en crée aucun)" for kind, name in objects
                     if kind in kinds]
        table_names = [name for kind, name in objects if kind == "table" and not name.startswith("sqlite_")]
        tables = {t: frozenset(row[1] for row in connection.execute(f'PRAGMA table_info("{t}")'))
                  for t in table_names if '"' not in t}
        indexes = frozenset(name for kind, name in objects if kind == "index" and not name.startswith("sqlite_"))
        keys: dict[tuple[str, int], list] = {}  # (table, key id) → its rows, one per column
        for t in tables:
            for key_id, seq, parent, column, _, _, on_delete, _ in connection.execute(
                    f'PRAGMA foreign_key_list("{t}")'):
                keys.setdefault((t, key_id), []).append((seq, column, parent, on_delete))
        foreign_keys = frozenset((t, tuple(c for _, c, _, _ in sorted(rows)), rows[0][2], _on_delete(rows[0][3]))
                                 for (t, _), rows in keys.items())
        broken = [] if problems else [
            f"ligne {rowid} de « {table} » : référence vers « {parent} » absente"
            for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check").fetchmany(5)]
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone() \
            if "alembic_version" in tables else None
    finally:
        connection.close()
    return _SqliteFile(Schema(tables, indexes, foreign_keys), row[0] if row else None, problems, broken)


def _sqlite_revision(path: Path) -> Optional[str]:
    return _sqlite_file(path).revision


def _sqlite_restore(database: Path, source: Path, known: Sequence[str], schema_of: SchemaOf) -> str:
    unchanged = UNCHANGED
    with open(source, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"« {source} » n'est pas une sauvegarde SQLite de PDL-M (ce n'est pas une base "
                              f"SQLite). {unchanged}")
    staged = _temporary_path(database)  # the exact bytes that will be restored, checked before anything changes
    try:
        try:
            _sqlite_backup(source, staged, read_only=True)
            found = _sqlite_file(staged)
        except (sqlite3.Error, BackupError) as error:
            raise BackupError(f"« {source} » est une base SQLite illisible ou endommagée ({error}). {unchanged}") \
                from error
        if found.problems:
            raise BackupError(f"« {source} » est une base SQLite endommagée ou modifiée : "
                              f"{'; '.join(found.problems)}. {unchanged}")
        if not set(SIGNATURE_TABLES) <= found.schema.tables.keys():
            raise BackupError(f"« {source} » est une base SQLite, mais pas une sauvegarde de PDL-M (ses tables ne "
                              f"sont pas celles de l'application). {unchanged}")
        revision = _check_revision(found.revision, known, source)
        _refuse_schema(source, revision, schema_problems(found.schema, schema_of(revision)))
        if found.broken_references:
            raise BackupError(f"« {source} » a des références brisées : {'; '.join(found.broken_references)}. "
                              f"{unchanged}")
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


_TOC_ENTRY = re.compile(r"^\d+; \d+ \d+ (.+)$")
_CREATE_TABLE = re.compile(r"^CREATE TABLE public\.(\S+) \($(.*?)^\);$", re.MULTILINE | re.DOTALL)
_FOREIGN_KEY = re.compile(r"^ALTER TABLE ONLY public\.(\S+)\s+ADD CONSTRAINT \S+ FOREIGN KEY \(([^)]*)\) "
                          r"REFERENCES public\.([^\s(]+)\([^)]*\)"
                          r"(?: ON DELETE (CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION))?", re.MULTILINE)


@dataclass(frozen=True)
class _PgArchive:
    tables: set[str]
    indexes: frozenset[str]
    foreign: list[str]  # entries of a kind this app never creates


def _pg_archive(archive: Path) -> _PgArchive:
    """The table of contents of a pg_dump custom archive; BackupError if the file is not one."""
    result = subprocess.run([_tool("pg_restore"), "--list", str(archive)], capture_output=True)
    if result.returncode != 0:
        raise BackupError(f"« {archive} » n'est pas une sauvegarde PostgreSQL de PDL-M (format personnalisé de "
                          f"pg_dump attendu). {UNCHANGED}")
    tables, indexes, foreign = set(), set(), []
    for line in result.stdout.decode(errors="replace").splitlines():
        entry = _TOC_ENTRY.match(line)
        if entry is None:
            continue
        text = entry.group(1)
        kind = next((k for k in PG_ALLOWED_ENTRIES if text.startswith(k + " ")), None)
        words = text[len(kind) + 1:].split() if kind else []
        if kind == "TABLE" and words[:1] == ["public"]:
            tables.add(words[1])
        elif kind == "INDEX" and words[:1] == ["public"]:
            indexes.add(words[1])
        elif kind is None and not text.startswith(("SCHEMA - public ", "COMMENT - SCHEMA public ")):
            named = next((n for k, n in sorted(PG_KIND_NAMES.items(), key=lambda kv: -len(kv[0]))
                          if text.startswith(k + " ")), "objet")
            foreign.append(f"{named} « {' '.join(text.split()[-3:-1])} » (l'application n'en crée aucun)")
    return _PgArchive(tables, frozenset(indexes), foreign)


def _pg_archive_schema(archive: Path, listed: _PgArchive) -> Schema:
    """Tables and columns as the archive's CREATE TABLE statements declare them, and its indexes."""
    result = _run([_tool("pg_restore"), "--schema-only", "--file=-", str(archive)], None,
                  f"Lecture de « {archive} » impossible")
    sql = result.stdout.decode(errors="replace")
    keys = frozenset((table.strip('"'), tuple(c.strip().strip('"') for c in columns.split(",")), referred.strip('"'),
                      _on_delete(rule)) for table, columns, referred, rule in _FOREIGN_KEY.findall(sql))
    tables = {}
    for name, body in _CREATE_TABLE.findall(sql):
        columns = {line.strip().split()[0].strip('"') for line in body.splitlines()
                   if line.strip() and not line.strip().startswith("CONSTRAINT ")}
        tables[name.strip('"')] = frozenset(columns)
    for name in listed.tables - tables.keys():
        tables[name] = frozenset()
    return Schema(tables, listed.indexes, keys)


def _pg_archive_revision(archive: Path) -> Optional[str]:
    result = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(archive)], None,
                  f"Lecture de « {archive} » impossible")
    lines = result.stdout.decode(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            value = lines[index + 1] if index + 1 < len(lines) else ""
            return None if value == "\\." else value.strip()
    return None


def _pg_restore(url: URL, archive: Path, known: Sequence[str], schema_of: SchemaOf) -> str:
    listed = _pg_archive(archive)
    tables = listed.tables
    if not set(SIGNATURE_TABLES) <= tables:
        raise BackupError(f"« {archive} » est une sauvegarde PostgreSQL, mais pas de PDL-M (ses tables ne sont pas "
                          f"celles de l'application). {UNCHANGED}")
    if listed.foreign:
        raise BackupError(f"« {archive} » contient ce que PDL-M ne crée jamais : {'; '.join(listed.foreign[:5])}. "
                          f"{UNCHANGED}")
    revision = _check_revision(_pg_archive_revision(archive), known, archive)
    _refuse_schema(archive, revision, schema_problems(_pg_archive_schema(archive, listed), schema_of(revision)))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        current = set(inspector.get_table_names(schema="public"))
        # Every foreign key of the current schema, dropped first: one added by a later migration (a comment's
        # thread, 0014, points at its own table's key) makes pg_restore --clean's DROP of that key fail. The
        # backup's own are created again by the restore; all of it in one transaction.
        foreign_keys = [(table, fk["name"]) for table in sorted(current)
                        for fk in inspector.get_foreign_keys(table, schema="public") if fk.get("name")]
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="pdlm-restore-") as workdir:
        script = Path(workdir) / "restore.sql"
        with open(script, "w", encoding="utf-8") as out:
            out.write(f"SET lock_timeout = '{LOCK_TIMEOUT}';\n")
            for table, name in foreign_keys:
                out.write(f'ALTER TABLE IF EXISTS public."{table}" DROP CONSTRAINT IF EXISTS "{name}";\n')
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
