"""The declarative base shared by every model, and session helpers that need no Flask."""
import hashlib
import sqlite3
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.engine import Engine

# Named constraints: Alembic's batch mode on SQLite can only alter or drop constraints that have a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, _record):
    """SQLite: foreign keys enforced, WAL so readers do not block the writer, and a wait instead of 'database is
    locked'. PostgreSQL: no JIT compilation. The desk's queries over every plan's summary cost more than
    jit_above_cost, and compiling them took 0.9 s for a query that runs in 15 ms (the dashboard's first page,
    docs/BENCHMARKS.md « Bureau national (PostgreSQL) »); the app's queries are short, JIT never pays."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def serialize(session: orm.Session, key: str) -> None:
    """Until the session's transaction ends, every other transaction that serializes on the same `key` waits.

    PostgreSQL: an advisory lock on the key's hash (`pg_advisory_xact_lock`), released at commit or rollback.
    SQLite: the database's write lock, taken now (`BEGIN IMMEDIATE`) rather than at the first write, so that what
    the transaction reads next is what the last writer committed (a transaction that read first and wrote later
    found rows another had just changed: StaleDataError, a 500). pysqlite opens a transaction only before a write,
    so a session already in one holds the write lock already. Waits at most the busy timeout (OperationalError
    after it, which the caller reports as a busy server)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, error) from None
