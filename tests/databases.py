"""Fresh databases for tests, on SQLite (default) or on the PostgreSQL server that DATABASE_URL names.

A template database is migrated to head and loaded with the real territory once per run; each test gets a copy
(a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so every test starts from the same state.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    """The PostgreSQL server to test on, or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://", "postgresql+psycopg://", 1)
    return None


class DatabaseFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server = server_url()
        self.created: list[str] = []

    def _admin_engine(self):
        return sa.create_engine(make_url(self.server).set(database="postgres"), isolation_level="AUTOCOMMIT",
                                poolclass=sa.pool.NullPool)

    def empty(self, name: str | None = None) -> str:
        name = name or f"pdlm_test_{uuid.uuid4().hex[:12]}"
        if self.server is None:
            return f"sqlite:///{self.workdir / (name + '.sqlite3')}"
        with self._admin_engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def copy_of(self, template_url: str) -> str:
        name = f"pdlm_test_{uuid.uuid4().hex[:12]}"
        if self.server is None:
            source = Path(make_url(template_url).database)
            target = self.workdir / (name + ".sqlite3")
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        template = make_url(template_url).database
        with self._admin_engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'))
        self.created.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.server is None:
            Path(make_url(url).database).unlink(missing_ok=True)
            return
        name = make_url(url).database
        for attempt in range(3):  # a server process we may not end (autovacuum on a shared server) can linger
            try:
                with self._admin_engine().connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except sa.exc.ProgrammingError:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(make_url(self.server).set(database=name).render_as_string(hide_password=False))
