"""The app served as in production — gunicorn, several workers and threads, on a free loopback port — for the
system tests, and browser-like sessions that log in through the form (CSRF on, as in production).

A server is always ended by its test (fixture teardown), its log goes to a file in the test's tmp folder and is
printed at teardown (pytest shows it when the test failed), and every wait is bounded.
"""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.conftest import TEST_PASSWORD, csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 45  # seconds for gunicorn to import the app and answer (a loaded 2-core CI machine is slow)
REQUEST_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn wsgi:app` with WORKERS × THREADS on the database `database_url`; start() waits until it answers."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2, threads: int = 4):
        self.database_url = database_url
        self.workdir = workdir
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        (workdir / "instance").mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "gunicorn.log"

    def start(self) -> "Gunicorn":
        assert self.process is None, "already running"
        self.port = free_port()
        self.starts += 1
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "clef-des-tests-systeme",
               "PDLM_DEMO": "0", "PDLM_INSTANCE_PATH": str(self.workdir / "instance"), "PYTHONUNBUFFERED": "1",
               # No pool of expensive work (plans/core/pool.py, tested in tests/app/test_heavy_work.py): these tests
               # race requests into the code the pool would otherwise keep them out of (ten imports of one plan).
               "PDLM_HEAVY_SLOTS": "0"}
        # --preload: the app is imported once, then the workers fork (half the start-up on a 2-core machine);
        # create_app opens no database connection, so no connection is shared across the fork.
        # --graceful-timeout 1: stop() comes at a test's teardown, after its last check; the default wait let the
        # master linger about 5 s on each stop (the kill -9 of tests/system/test_crash_safety.py is kill()).
        # --keep-alive 30: a test's clients log in one after another, then wait; gunicorn's 2 s default closed their
        # idle connections just as a client reused one (« Connection reset by peer » on a loaded machine). A browser
        # retries such a request itself; requests does not, and a POST must not be retried blindly.
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--threads", str(self.threads),
                   "--bind", f"127.0.0.1:{self.port}", "--preload", "--timeout", "60", "--graceful-timeout", "1",
                   "--keep-alive", "30",
                   "--access-logfile", "-", "--error-logfile", "-", "--log-level", "info", "wsgi:app"]
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start n°{self.starts}: {' '.join(command[2:])}\n".encode())
            log.flush()
            # Its own process group: a kill reaches the master and every worker, and nothing else.
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise RuntimeError(f"gunicorn s'est arrêté au démarrage (code {code}) :\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/compte/connexion", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn n'a pas répondu en {START_TIMEOUT} s :\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9 of the master and its workers (the whole process group), as a crash would end them."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """A clean stop (SIGTERM), SIGKILL if it lingers."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
            self.process = None
        except ProcessLookupError:
            self.process = None
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


@pytest.fixture(name="server")
def gunicorn_server(database_url, tmp_path):
    """The fixture `server`: gunicorn (2 workers × 4 threads) on the test's database, not started yet; stopped at
    teardown, which prints its log (pytest shows it when the test failed). A test module imports it to use it."""
    server = Gunicorn(database_url, tmp_path, workers=2, threads=4)
    yield server
    server.stop()
    print(f"--- gunicorn ({server.log_path}) ---\n{server.log_tail(150)}")


def logged_in_session(server: Gunicorn, email: str, password: str = TEST_PASSWORD) -> requests.Session:
    """A browser-like session: GET the login page for its CSRF token, then post the form."""
    session = requests.Session()
    page = session.get(server.url + "/compte/connexion", timeout=REQUEST_TIMEOUT)
    response = session.post(server.url + "/compte/connexion", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                            data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302, (response.status_code, response.text[-2000:])
    return session


def check_sqlite_file(database_url: str) -> None:
    """The SQLite file the server wrote: in WAL mode (plans/core/db.py), intact, no dangling foreign key. Read with
    the bare sqlite3 module, so no connection hook sets WAL on the way."""
    conn = sqlite3.connect(make_url(database_url).database)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
