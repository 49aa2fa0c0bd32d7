"""Fresh databases for tests, on SQLite (default) or on the PostgreSQL server that DATABASE_URL names.

A template database is migrated to head and loaded with the real territory once per run; each test gets a copy
(a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so every test starts from the same state.

Under pytest-xdist every worker builds its own templates and copies (SQLite files under the worker's own tmp
folder; PostgreSQL names carry the worker id, "pdlm_test_gw1_…"), so no two workers share a database.
"""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    """The PostgreSQL server to test on, or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return (url.replace("postgresql://", "postgresql+psycopg://", 1)
                .replace("postgres://", "postgresql+psycopg://", 1))
    return None


def new_name() -> str:
    """A database name of its own: the xdist worker ("gw0", "gw1"…, "main" without xdist) and a random part."""
    worker = re.sub(r"[^a-z0-9]", "", os.environ.get("PYTEST_XDIST_WORKER", "main").lower()) or "main"
    return f"pdlm_test_{worker}_{uuid.uuid4().hex[:12]}"


class DatabaseFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server = server_url()
        self.created: list[str] = []
        self._spares: dict[str, Future] = {}  # template URL → its next copy, being made (PostgreSQL only)
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdlm-db-copy") if self.server else None

    def _admin_engine(self):
        return sa.create_engine(make_url(self.server).set(database="postgres"), isolation_level="AUTOCOMMIT",
                                poolclass=sa.pool.NullPool)

    def empty(self, name: str | None = None) -> str:
        name = name or new_name()
        if self.server is None:
            return f"sqlite:///{self.workdir / (name + '.sqlite3')}"
        with self._admin_engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def copy_of(self, template_url: str) -> str:
        if self.server is None:
            source = Path(make_url(template_url).database)
            target = self.workdir / (new_name() + ".sqlite3")
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        # PostgreSQL: CREATE DATABASE … TEMPLATE mostly waits on the server, so the copy for the next test of this
        # template is made in a thread while this test runs (the template is never connected to once built, and
        # a spare copy is never touched before a test takes it: same state as a copy made on demand).
        spare = self._spares.pop(template_url, None)
        url = spare.result() if spare is not None else self._server_copy(template_url)
        self._spares[template_url] = self._prefetch.submit(self._server_copy, template_url)
        return url

    def _server_copy(self, template_url: str) -> str:
        name = new_name()
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
        if self._prefetch is not None:
            self._prefetch.shutdown(wait=True)  # the spare copies are in self.created, dropped below
            self._spares.clear()
        for name in list(self.created):
            self.drop(make_url(self.server).set(database=name).render_as_string(hide_password=False))
