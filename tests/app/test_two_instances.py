"""Issue 6's journey between two instances: a commune's laptop (`make run`, no connection) and the national server.

The plan is made on the laptop, its file carried to the national server and imported there by the commune's
planner, submitted, taken by a reviewer who comments on an action and sends it back; the planner corrects it on
the laptop, carries the new file, re-imports it, resubmits; the reviewer sees exactly what changed and validates.
Two Flask apps on two databases, driven through their HTTP routes as people would.
"""
from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from plans.accounts import service as accounts_service
from plans.accounts.models import Role
from plans.owners import service as owners_service
from plans.planning import sections
from plans.planning.models import Plan, PlanStatus
from plans.planning.sectiondata import identification
from plans.review import diff as plandiff
from plans.review import workflow
from plans.review.models import PlanSnapshot
from tests.conftest import TEST_PASSWORD, app_config, login
from tests.plans.test_workflow import build_complete_plan

CORRECTION = "Résumé complété : les retours de diplômés formés à l'étranger sont désormais pris en compte."


@pytest.fixture
def national(databases, template_database):
    """The national server: its own database, the commune's planner and a DGCT reviewer."""
    server = create_app(app_config(databases.copy_of(template_database)))
    with server.app_context():
        owner = owners_service.commune_owner(db.session, "ML010115")
        accounts_service.create_user(db.session, email="planificateur@koniakary.ml", password=TEST_PASSWORD,
                                     role=Role.PLANNER, owners=[owner], full_name="Planificateur")
        accounts_service.create_user(db.session, email="relecteur@dgct.ml", password=TEST_PASSWORD,
                                     role=Role.REVIEWER, full_name="Relectrice DGCT")
        db.session.commit()
        db.session.remove()
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def _client(server, email):
    client = server.test_client()
    assert login(client, email).status_code == 302
    return client


def _carry(laptop_client, plan_id, national_client) -> None:
    """Download the plan file on the laptop, upload it on the national server."""
    download = laptop_client.get(f"/plans/{plan_id}/plan.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    upload = national_client.post("/plans/importer", data={"fichier": (io.BytesIO(download.data), "plan.json")},
                                  content_type="multipart/form-data")
    assert upload.status_code in (302, 303), upload.get_data(as_text=True)[:800]


def _move(client, plan_id, seen, target, **extra):
    response = client.post(f"/plans/{plan_id}/statut", data={"seen_status": seen, "to_status": target, **extra})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:800]


def test_a_plan_travels_from_the_laptop_to_the_national_server_and_back(session, planner, koniakary_owner,
                                                                          planner_client, national):
    laptop_plan = build_complete_plan(session, koniakary_owner, planner)

    # 1. The file reaches the national server; the commune's planner imports it (a draft there) and submits it.
    national_planner = _client(national, "planificateur@koniakary.ml")
    _carry(planner_client, laptop_plan.id, national_planner)
    with national.app_context():
        plan = db.session.scalar(sa.select(Plan).where(Plan.uuid == laptop_plan.uuid))
        plan_id, action_uuid, action_title = plan.id, plan.actions[0].uuid, plan.actions[0].title
        assert plan.status is PlanStatus.BROUILLON and len(plan.actions) == len(laptop_plan.actions)
    _move(national_planner, plan_id, "brouillon", "soumis")

    # 2. A reviewer takes it, comments on an action and sends it back with a reason.
    reviewer = _client(national, "relecteur@dgct.ml")
    _move(reviewer, plan_id, "soumis", "en_revue")
    comment = reviewer.post(f"/plans/{plan_id}/commentaires", data={
        "anchor": f"action:{action_uuid}", "body": "Précisez les diplômés de retour dans le résumé."})
    assert comment.status_code in (302, 303)
    _move(reviewer, plan_id, "en_revue", "a_reviser", reason="Le résumé doit parler des diplômés de retour.")

    # The planner (on the national server when a connection allows) sees the reason and the comment.
    overview = national_planner.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Le résumé doit parler des diplômés de retour." in overview
    revue = national_planner.get(f"/plans/{plan_id}/revue").get_data(as_text=True)
    assert "Précisez les diplômés de retour dans le résumé." in revue and action_title in revue

    # 3. Corrected on the laptop (the section save the form makes), carried again, re-imported, resubmitted.
    data = {**identification.dump(laptop_plan), "summary": CORRECTION}
    sections.save_section(session, laptop_plan, "identification",
                          sections.current_version(session, laptop_plan, "identification"), planner,
                          apply=lambda: identification.apply(session, laptop_plan, data),
                          snapshot=lambda: identification.dump(laptop_plan))
    session.commit()
    _carry(planner_client, laptop_plan.id, national_planner)
    _move(national_planner, plan_id, "a_reviser", "soumis")

    # 4. The reviewer compares the two submissions: exactly the correction; then validates.
    with national.app_context():
        first, second = db.session.scalars(sa.select(PlanSnapshot).where(
            PlanSnapshot.plan_id == plan_id, PlanSnapshot.kind == "soumis").order_by(PlanSnapshot.id)).all()
        lines = plandiff.diff_documents(first.document, second.document).lines()
        first_id, second_id = first.id, second.id
    assert len(lines) == 1 and CORRECTION[:60] in lines[0], lines
    page = reviewer.get(f"/plans/{plan_id}/versions?avant={first_id}&apres={second_id}")
    assert page.status_code == 200
    text = html.unescape(re.sub(r"\s+", " ", page.get_data(as_text=True)))
    assert CORRECTION[:60] in text and "modifié" in text

    _move(reviewer, plan_id, "soumis", "en_revue")
    _move(reviewer, plan_id, "en_revue", "valide", confirm_open="y")  # its checklist left blank, knowingly
    with national.app_context():
        plan = db.session.get(Plan, plan_id)
        assert plan.status is PlanStatus.VALIDE and plan.summary == CORRECTION
        moves = [(t.from_status, t.to_status) for t in workflow.transitions(db.session, plan)]
    assert moves == [("brouillon", "soumis"), ("soumis", "en_revue"), ("en_revue", "a_reviser"),
                     ("a_reviser", "soumis"), ("soumis", "en_revue"), ("en_revue", "valide")]
