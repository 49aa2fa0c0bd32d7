"""Twenty people editing the same plan at once, against gunicorn (2 workers × 4 threads) on the suite's database
(an SQLite file in WAL mode, or PostgreSQL when DATABASE_URL names a server): no save is lost, every conflict is
a 409, and no request fails.

Half of the editors change section 8 (Adoption), half change the same action of the PIP. Each one loads the form
(and the version it carries), waits a little as a person would, and posts it. A save is acknowledged by its
redirect; a stale form must get 409. Zero lost updates means: the acknowledged saves of a target were loaded from
versions 0, 1, 2… each exactly once, the history holds each of them in that order, the final version counts
them, and the final content is the last one.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.extensions import db
from plans.planning import actions as actions_service
from plans.planning.models import Action, Plan, PlanChange, SectionState
from tests.system.html_forms import field_value, form_fields, with_values
from tests.system.server import (
    REQUEST_TIMEOUT,
    check_sqlite_file,
    gunicorn_server,  # noqa: F401  (the fixture `server`)
    logged_in_session,
)

EDITORS = 20
ROUNDS = 5  # saves each editor attempts
SECTION = "identification"  # the plan's title, a field of the plan row (section 8 takes no form before adoption)


@dataclass
class Attempt:
    editor: int
    target: str  # "section" or "action"
    loaded_version: int
    text: str
    status: int
    body: str


@pytest.fixture
def action(session, plan, planner):
    data = {"title": "Extension du CSCOM", "sector": "sante", "quantity": "1", "unit_cost": "45 000 000",
            "schedule": {"2025": "20 000 000", "2026": "25 000 000"},
            "funding_lines": [{"source_type": "budget_communal", "amount": "45 000 000", "status": "acquis"}]}
    action = actions_service.create_action(session, plan, data, planner)
    session.commit()
    return action


def edit(browser, editor: int, url: str, field: str, target: str, attempts: list, errors: list,
         start: threading.Barrier) -> None:
    rng = random.Random(editor)
    try:
        start.wait(timeout=60)
        for n in range(ROUNDS):
            page = browser.get(url, timeout=REQUEST_TIMEOUT)
            assert page.status_code == 200, (page.status_code, page.text[-1000:])
            fields = form_fields(page.text)
            version = int(field_value(fields, "version"))
            text = f"Éditeur {editor:02d}, enregistrement {n}"
            threading.Event().wait(rng.uniform(0, 0.05))  # a person reads before saving: saves interleave
            response = browser.post(url, data=with_values(fields, **{field: text}), allow_redirects=False,
                                    timeout=REQUEST_TIMEOUT)
            attempts.append(Attempt(editor, target, version, text, response.status_code, response.text))
    except Exception as error:  # noqa: BLE001 - reported by the test, with the editor's number
        errors.append(f"éditeur {editor} : {error!r}")


def test_twenty_editors_lose_no_save_and_every_conflict_is_a_409(server, database_url, session, plan, planner,
                                                                     action):
    plan_id, action_id = plan.id, action.id
    session.commit()
    db.engine.dispose()  # the test's own connections stay out of the server's way (SQLite: no open reader)
    server.start()

    attempts: list[Attempt] = []
    errors: list[str] = []
    start = threading.Barrier(EDITORS)
    threads = []
    for editor in range(EDITORS):
        url, field, target = ((f"/plans/{plan_id}/{SECTION}", "title", "section") if editor % 2 == 0
                              else (f"/plans/{plan_id}/actions/{action_id}", "title", "action"))
        # Logged in one after another: twenty logins of one account at the same instant are what the login
        # throttle refuses (pending attempts count, plans/accounts/throttle.py); the saves are what is tested.
        browser = logged_in_session(server, planner.email)
        threads.append(threading.Thread(target=edit, daemon=True, args=(
            browser, editor, server.url + url, field, target, attempts, errors, start)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "des éditeurs n'ont pas fini en 120 s"
    assert errors == []
    assert len(attempts) == EDITORS * ROUNDS

    unexpected = [(a.status, a.body[-500:]) for a in attempts if a.status not in (302, 303, 409)]
    assert unexpected == []
    assert not any("database is locked" in a.body for a in attempts)
    assert "database is locked" not in server.log_text() and "Traceback" not in server.log_text()

    if database_url.startswith("sqlite"):
        check_sqlite_file(database_url)
    session.rollback()
    plan = session.get(Plan, plan_id)
    section_version = session.scalar(sa.select(SectionState.version).where(
        SectionState.plan_id == plan_id, SectionState.section == SECTION))
    section_history = [c.snapshot["title"] for c in session.scalars(
        sa.select(PlanChange).where(PlanChange.plan_id == plan_id, PlanChange.section == SECTION)
        .order_by(PlanChange.id))]
    stored_action = session.get(Action, action_id)
    action_history = [c.snapshot["title"] for c in session.scalars(
        sa.select(PlanChange).where(PlanChange.plan_id == plan_id, PlanChange.section == "actions")
        .order_by(PlanChange.id)) if c.snapshot.get("operation") == "update"]

    figures = {}
    for target, first_version, final_version, history, final_text in (
            ("section", 0, section_version, section_history, plan.title),
            ("action", 1, stored_action.version_id, action_history, stored_action.title)):
        mine = [a for a in attempts if a.target == target]
        acknowledged = sorted((a for a in mine if a.status in (302, 303)), key=lambda a: a.loaded_version)
        conflicts = [a for a in mine if a.status == 409]
        # Each version was saved over exactly once: two acknowledged saves of one version = a lost update.
        assert [a.loaded_version for a in acknowledged] == list(range(first_version, first_version
                                                                      + len(acknowledged))), target
        assert final_version == first_version + len(acknowledged), target
        assert history == [a.text for a in acknowledged], target
        assert final_text == acknowledged[-1].text, target
        # A 409 went to a form loaded from a version someone else saved over first; it shows the version stored
        # and keeps what this editor typed.
        saved_from = {a.loaded_version for a in acknowledged}
        assert all(a.loaded_version in saved_from for a in conflicts), target
        assert all("pendant que vous la modifiiez" in a.body and a.text in a.body for a in conflicts), target
        assert len(acknowledged) + len(conflicts) == len(mine)
        figures[target] = (len(acknowledged), len(conflicts))
    # Twenty people on two forms: conflicts happen, and saves still go through.
    assert all(saved >= 2 and conflicts >= 1 for saved, conflicts in figures.values()), figures
    print(f"{EDITORS} éditeurs, {len(attempts)} enregistrements tentés : {figures} (acquittés, 409)")
