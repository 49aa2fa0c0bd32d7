"""The bounded pool of expensive work (plans/core/pool.py) as this application sets it: where its lock files live,
how many places each kind has, how long a request waits; and the French 503 with `Retry-After` when none frees (429
when the user has just had such work done: their turn comes after the others').

Only web requests are bounded: a command (`flask plans docx`, an operator's export) runs whatever the pages do.
Settings (app/config.py, README "Configuration"): PDLM_HEAVY_SLOTS (places per kind, default 1; 0 turns the bound
off), PDLM_HEAVY_WAIT (seconds, default 0: a sync worker that waits is a worker
taken from the pages; raise it with threaded workers), and the folder `<instance>/verrous` (HEAVY_LOCK_DIR).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from flask import Flask, current_app, has_request_context, make_response

from app.errors import error_response
from plans.core import pool

LOCK_SUBDIR = "verrous"


def settings() -> Optional[pool.Settings]:
    if not has_request_context():
        return None
    config = current_app.config
    directory = config.get("HEAVY_LOCK_DIR") or Path(current_app.instance_path) / LOCK_SUBDIR
    return pool.Settings(Path(directory), int(config.get("HEAVY_SLOTS", 1)), float(config.get("HEAVY_WAIT", 0)),
                         bool(config.get("HEAVY_TURNS", True)))


def busy(error: pool.Busy):
    """503 when every place is taken, 429 when it is not yet this user's turn (pool.Paced)."""
    response = make_response(error_response(error.status, error.message))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def init_app(app: Flask) -> None:
    pool.configure(settings)
    app.register_error_handler(pool.Busy, busy)
