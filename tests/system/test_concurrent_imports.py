"""Ten uploads of one plan file at once, against gunicorn (2 workers × 4 threads), on SQLite and PostgreSQL: every
upload is imported (a redirect to the plan) or refused in French (400), never a 500; the plan exists once, its
content is the file's, and the history holds a save of a section only for the import that changed it (the first
import of a new plan; none for a file equal to the plan it updates).

Two cases: a file of a plan this server does not hold yet (the ten race to create it), and a file of a plan it
holds (the ten race to update it). Imports of one plan are serialised (plans/core/db.py `serialize`), so the
later ones find the plan the first one wrote and update it.
"""
from __future__ import annotations

import re
import threading
import uuid

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from plans.demo import data as D
from plans.planning.models import Plan, PlanChange
from plans.review import planfile
from tests.system.server import (
    REQUEST_TIMEOUT,
    check_sqlite_file,
    gunicorn_server,  # noqa: F401  (the fixture `server`)
    logged_in_session,
)

UPLOADS = 10
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def upload(browser: requests.Session, url: str, data: bytes, start: threading.Barrier, answers: list,
           errors: list) -> None:
    try:
        token = TOKEN_RE.search(browser.get(url, timeout=REQUEST_TIMEOUT).text).group(1)
        start.wait(timeout=60)
        response = browser.post(url, data={"csrf_token": token}, files={"fichier": ("plan.json", data)},
                                allow_redirects=False, timeout=REQUEST_TIMEOUT * 3)
        answers.append((response.status_code, response.text))
    except Exception as error:  # noqa: BLE001 - reported by the test
        errors.append(repr(error))


@pytest.mark.parametrize("case", ["new plan", "existing plan"])
def test_ten_uploads_of_one_file_at_once_never_fail(server, database_url, session, demo_cases, make_user, case):
    tc1 = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    document = planfile.export_document(session, tc1)
    if case == "new plan":
        document["plan"]["uuid"] = str(uuid.uuid4())
        for action in document["plan"]["actions"]:
            action["uuid"] = str(uuid.uuid4())
    plan_uuid = document["plan"]["uuid"]
    data = planfile.document_bytes(document)
    planner = make_user("planner", email="import@koniakary.ml", owners=[tc1.owner])
    session.commit()
    db.engine.dispose()  # the test's own connections stay out of the server's way (SQLite: no open reader)
    server.start()

    url = server.url + "/plans/importer"
    browsers = [logged_in_session(server, planner.email) for _ in range(UPLOADS)]
    start = threading.Barrier(UPLOADS)
    answers: list[tuple[int, str]] = []
    errors: list[str] = []
    threads = [threading.Thread(target=upload, daemon=True, args=(b, url, data, start, answers, errors))
               for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "des imports n'ont pas fini en 180 s"
    assert errors == []
    statuses = sorted(status for status, _ in answers)
    assert len(statuses) == UPLOADS
    assert set(statuses) <= {303, 400}, [(s, body[-800:]) for s, body in answers if s not in (303, 400)]
    assert all('<html lang="fr">' in body for s, body in answers if s == 400)
    assert "Traceback" not in server.log_text()
    assert statuses.count(303) >= 1

    if database_url.startswith("sqlite"):
        check_sqlite_file(database_url)
    session.rollback()
    plans = list(session.scalars(sa.select(Plan).where(Plan.uuid == plan_uuid)))
    assert len(plans) == 1
    assert planfile.without_timestamp(planfile.export_document(session, plans[0]))["plan"]["actions"] == \
        document["plan"]["actions"]
    imports = session.scalar(sa.select(sa.func.count()).select_from(PlanChange).where(
        PlanChange.plan_id == plans[0].id, PlanChange.section == "identification",
        PlanChange.summary.like("Import du fichier%")))
    # An import records only what it changes (plans/review/planfile_import.py): the first import of a new plan
    # writes its sections, the nine after it and every import of a file equal to the plan write nothing.
    assert imports == (1 if case == "new plan" else 0)
    print(f"{case} : {statuses}")
