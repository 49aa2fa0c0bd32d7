"""kill -9 of gunicorn (master and workers) while a planner saves, then a restart on the same database: the
database is consistent and every acknowledged save is there.

A save is acknowledged by its redirect. The save in flight when the server died may or may not have been
committed: the section then holds either the last acknowledged text or that one, never anything older, and the
history holds every acknowledged save, in order, with the section's version equal to the number of saves.
"""
from __future__ import annotations

import random
import threading
import time

import requests
import sqlalchemy as sa

from app.extensions import db
from plans.planning.models import Plan, PlanChange, SectionState
from tests.system.html_forms import field_value, form_fields, with_values
from tests.system.server import (
    REQUEST_TIMEOUT,
    Gunicorn,
    check_sqlite_file,
    gunicorn_server,  # noqa: F401  (the fixture `server`)
    logged_in_session,
)

KILLS = 3
SECTION = "identification"  # the plan's title, a field of the plan row (section 8 takes no form before adoption)


def save_until_killed(server: Gunicorn, email: str, url: str, round_: int, kill_after: int, delay: float):
    """Saves the section in a loop; a killer thread ends the server `delay` s after the `kill_after`-th
    acknowledged save. Returns (acknowledged texts, the text in flight when the server died)."""
    browser = logged_in_session(server, email)
    acknowledged: list[str] = []
    in_flight = None
    killer = None
    deadline = time.monotonic() + 30
    for n in range(10_000):
        assert time.monotonic() < deadline, "le serveur n'a pas été arrêté en 30 s"
        text = f"Titre, tour {round_}, enregistrement {n}"
        try:
            page = browser.get(url, timeout=REQUEST_TIMEOUT)
            assert page.status_code == 200, page.text[-1000:]
            fields = form_fields(page.text)
            in_flight = text
            response = browser.post(url, data=with_values(fields, title=text), allow_redirects=False,
                                    timeout=REQUEST_TIMEOUT)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            break  # the server is gone; `in_flight` may or may not have been committed
        assert response.status_code == 302, (response.status_code, response.text[-1000:])
        acknowledged.append(text)
        in_flight = None
        if len(acknowledged) == kill_after:
            killer = threading.Timer(delay, server.kill)
            killer.start()
    if killer is not None:
        killer.join(timeout=30)
    assert server.process is None, "le serveur tourne encore"
    return acknowledged, in_flight


def test_a_killed_server_keeps_every_acknowledged_save(server, database_url, session, plan, planner):
    plan_id = plan.id
    url_path = f"/plans/{plan_id}/{SECTION}"
    session.commit()
    db.engine.dispose()
    rng = random.Random(7)
    saved: list[str] = []  # what the history must hold: every acknowledged save, in order
    acknowledged_count = 0
    stored = version = None
    for round_ in range(KILLS + 1):
        server.start()
        if round_ > 0:
            # Restarted on the same database, the app serves the plan with what was saved.
            browser = logged_in_session(server, planner.email)
            page = browser.get(server.url + url_path, timeout=REQUEST_TIMEOUT)
            assert page.status_code == 200
            assert field_value(form_fields(page.text), "title") == stored
            assert field_value(form_fields(page.text), "version") == str(version)
        if round_ == KILLS:
            break
        # Killed 0 to 40 ms after a save: often mid-request (GET or POST), sometimes between two.
        acknowledged, in_flight = save_until_killed(server, planner.email, server.url + url_path, round_,
                                                    kill_after=rng.randint(3, 8), delay=rng.uniform(0, 0.04))
        assert acknowledged, "aucun enregistrement acquitté avant l'arrêt"
        acknowledged_count += len(acknowledged)
        saved += acknowledged

        if database_url.startswith("sqlite"):
            check_sqlite_file(database_url)
        db.session.rollback()
        history = [c.snapshot["title"] for c in db.session.scalars(
            sa.select(PlanChange).where(PlanChange.plan_id == plan_id, PlanChange.section == SECTION)
            .order_by(PlanChange.id))]
        version = db.session.scalar(sa.select(SectionState.version).where(
            SectionState.plan_id == plan_id, SectionState.section == SECTION))
        stored = db.session.scalar(sa.select(Plan.title).where(Plan.id == plan_id))
        db.session.rollback()
        db.engine.dispose()
        # Consistent: one history row per version, the content is the latest row's.
        assert version == len(history) and stored == history[-1]
        # Nothing acknowledged is lost; at most the save in flight was committed on top of the last one.
        if in_flight is not None and history[-1] == in_flight:
            saved.append(in_flight)
        assert history == saved
        assert stored in (acknowledged[-1], in_flight)
    print(f"{KILLS} arrêts brutaux (kill -9) survécus, {acknowledged_count} enregistrements acquittés, aucun perdu")
