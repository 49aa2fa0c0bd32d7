"""A bounded pool for the expensive work one request can start (issue 14, item 3): the Word document of a plan, the
dashboard's spreadsheets, the national map's recomputation of every plan's figures, the import of a plan file.

Without a bound, two clients asking in a loop for the Word document of a large plan kept both gunicorn workers busy, and
another user's page waited 16 s instead of 32 ms. Each kind of work ("word", "tableaux", "carte-nationale", "carte-png",
"import") gets `slots` places on the whole server (default 1, `PDLM_HEAVY_SLOTS`): a request that finds them taken waits
up to `wait` seconds (`PDLM_HEAVY_WAIT`, default 0) for one to free, then gets `Busy`, which the web layer answers with
a French 503 and `Retry-After` (app/heavy.py). A waiting request holds its worker (a sync gunicorn worker serves one
request at a time), hence no wait by default: measured with two workers, a wait of half a second kept another user's
page at 0.7 s beside two looping exporters, no wait at 0.2 s. The national map does not wait at all while it has
figures: while another request recomputes them, it serves those it has (plans/maps/national.py).

The places are lock files (`flock`) in one directory, so they hold across gunicorn's worker processes and threads
alike, and a worker that dies (a timeout, kill -9) releases its place with its file descriptor: nothing to clean up.
Lock files bound one machine, which is what the work competes for (its CPUs); two servers behind one proxy each have
their own places.

A per-user rate limit was the other choice (kept in the database, like the login throttle): it stops one user's
loop, but not several users exporting at once, and a loop still takes a worker for each allowed export. The pool
bounds what the whole server spends on such work, whoever asks, and leaves the other workers to the pages.

Turns (`user`): with one place, a user asking in a loop would take it again the instant it frees, and nobody else
would ever get a Word document. So a user whose last such work took more than TURN_FROM seconds waits, before the
next one, as long as it took (`Paced`, a French 429 with Retry-After): a loop keeps at most half of the place; work
that took less costs too little to pace. The time is kept in a file per user and kind beside the lock files, so
every worker sees it. `Settings.turns` False leaves them out (the test suite asks faster than people click).

The web layer says where the lock files live and how many places each kind has (`configure`, read at each use so
that each application — a test's, gunicorn's — keeps its own); without settings (a script, the command line) the
work is not bounded.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

RETRY_AFTER_MIN = 5  # seconds a refused client is asked to wait: about what the largest allowed export takes
POLL = 0.05  # seconds between two looks for a free place
TURN_FROM = 1.0  # seconds: work that took less does not make its user wait for the next

KIND_LABELS = {"word": "documents Word", "tableaux": "exports du tableau de bord",
               "carte-nationale": "calculs de la carte nationale", "import": "imports de fichiers de plan",
               "carte-png": "images de la carte nationale"}


@dataclass(frozen=True)
class Settings:
    directory: Path
    slots: int  # places per kind on the server; 0 or less: not bounded
    wait: float  # seconds a request waits for a place
    turns: bool = True  # a user waits their turn after work that took long (see the module's docstring)


class Busy(Exception):
    """Every place of `kind` is taken: try again in `retry_after` seconds (a 503)."""

    status = 503

    def __init__(self, kind: str, retry_after: int):
        self.kind = kind
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def what(self) -> str:
        return KIND_LABELS.get(self.kind, "travaux de ce type")

    @property
    def message(self) -> str:
        return (f"Le serveur prépare déjà d'autres {self.what} : réessayez dans {self.retry_after} secondes. "
                "Rien n'a été perdu.")


class Paced(Busy):
    """The same user has just had such work done: their next turn comes in `retry_after` seconds (a 429)."""

    status = 429

    @property
    def message(self) -> str:
        return (f"Vous venez de demander des {self.what} : pour laisser leur tour aux autres, réessayez dans "
                f"{self.retry_after} secondes. Rien n'a été perdu.")


_settings: Optional[Callable[[], Optional[Settings]]] = None


def configure(settings: Optional[Callable[[], Optional[Settings]]]) -> None:
    """Where the places are, asked at each use (None: no bound)."""
    global _settings
    _settings = settings


def _current() -> Optional[Settings]:
    return _settings() if _settings is not None else None


def _take(path: Path) -> Optional[int]:
    """The descriptor of `path` locked for us, or None when another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return None
        raise
    return fd


def _turn_file(settings: Settings, kind: str, user: str) -> Path:
    return settings.directory / f"{kind}-tour-{''.join(c for c in user if c.isalnum())[:40]}"


def _check_turn(kind: str, path: Path) -> None:
    """Paced while the user's last work of this kind ended less than its duration ago."""
    try:
        ended = path.stat().st_mtime
        took = float(path.read_text() or 0)
    except (OSError, ValueError):
        return
    wait = ended + took - time.time()
    if wait > 0:
        raise Paced(kind, max(1, math.ceil(wait)))


@contextlib.contextmanager
def slot(kind: str, wait: Optional[float] = None, user: Optional[str] = None) -> Iterator[None]:
    """Holds one place of `kind` for the duration of the block; Busy when none frees within the wait (the settings',
    or `wait` seconds); Paced when `user` has just had such work done (see the module's docstring)."""
    settings = _current()
    if settings is None or settings.slots <= 0:
        yield
        return
    settings.directory.mkdir(parents=True, exist_ok=True)
    turn = _turn_file(settings, kind, user) if user and settings.turns else None
    if turn is not None:
        _check_turn(kind, turn)
    patience = settings.wait if wait is None else wait
    deadline = time.monotonic() + patience
    while True:
        for place in range(settings.slots):
            fd = _take(settings.directory / f"{kind}-{place}.lock")
            if fd is None:
                continue
            started = time.monotonic()
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                took = time.monotonic() - started
                if turn is not None:
                    turn.write_text(f"{took:.3f}" if took >= TURN_FROM else "0")
            return
        if time.monotonic() >= deadline:
            raise Busy(kind, max(RETRY_AFTER_MIN, math.ceil(patience)))
        time.sleep(POLL)
