"""The next plan's pages (app/planning/routes.py `new`, app/review/routes.py `start_revision`,
app/execution/carry_over.py): a planner of Koniakary opens the next plan after the demo's adopted plan, reads the
bilan in section 1, carries unrealised actions over; refusals are French 4xx pages, never a 500."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.formatting import plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.execution import nextplan
from plans.planning import sections
from plans.planning.models import Action, Plan
from tests.conftest import login

KHASSO = "Adduction d'eau potable du quartier Khasso"
CENTRE = "Centre de formation des jeunes et des migrants de retour"


@pytest.fixture
def adopted(session):
    demo.seed_new_install(session)
    session.commit()
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


@pytest.fixture
def planner_client(app, make_user, adopted):
    user = make_user(owners=[adopted.owner], email="plan@koniakary.ml")
    client = app.test_client()
    login(client, user.email)
    return client


def text_of(response) -> str:
    return plain(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))))


def open_next_plan(client, adopted) -> int:
    response = client.post("/plans/nouveau", data={"owner_id": adopted.owner_id, "title": "PDESC 2030-2034",
                                                   "period_start": "2030", "years": "5", "guide_version": "2018"})
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    overview = text_of(client.get(response.headers["Location"]))
    assert ("Le bilan du plan précédent « PDESC de la commune de Koniakary 2025-2029 » a été repris de son "
            "exécution") in overview
    return plan_id


def test_the_new_plan_shows_the_bilan_and_carries_two_actions(client, session, planner_client, adopted):
    plan_id = open_next_plan(planner_client, adopted)
    page = text_of(planner_client.get(f"/plans/{plan_id}/identification"))
    assert "Bilan du plan précédent « PDESC de la commune de Koniakary 2025-2029 » (2025-2029, révision 1" in page
    assert "exécution financière 38,13 % (61 000 000 FCFA payés sur un coût prévu de 160 000 000 FCFA)" in page
    assert "Restauration du Tata : Travaux arrêtés" in page

    listing = planner_client.get(f"/plans/{plan_id}/reprise-du-plan-precedent")
    assert listing.status_code == 200
    shown = text_of(listing)
    assert f"{KHASSO} Hydraulique" in shown and "43 000 000 FCFA" in shown and "9 000 000 FCFA acquis" in shown
    assert "Extension du CSCOM" not in shown and "Restauration du Tata" not in shown
    plan = session.get(Plan, plan_id)
    keys = [c.key for c in nextplan.carry_over_view(session, plan).candidates]
    version = sections.current_version(session, plan, "actions")
    response = planner_client.post(f"/plans/{plan_id}/reprise-du-plan-precedent",
                                   data={"version": version, "actions": keys})
    assert response.status_code == 303
    session.expire_all()
    titles = session.scalars(sa.select(Action.title).where(Action.plan_id == plan_id).order_by(Action.position))
    assert list(titles) == [KHASSO, CENTRE]
    again = text_of(planner_client.get(f"/plans/{plan_id}/reprise-du-plan-precedent"))
    assert again.count("déjà dans ce plan") == 2

    # The same form sent again: the plan's actions changed since, a 409 that says so.
    stale = planner_client.post(f"/plans/{plan_id}/reprise-du-plan-precedent",
                                data={"version": version, "actions": keys})
    assert stale.status_code == 409 and "rien n'a été repris" in text_of(stale)


def test_refusals_are_french_4xx(app, session, make_user, planner_client, adopted):
    plan_id = open_next_plan(planner_client, adopted)
    plan = session.get(Plan, plan_id)
    version = sections.current_version(session, plan, "actions")
    url = f"/plans/{plan_id}/reprise-du-plan-precedent"
    nothing = planner_client.post(url, data={"version": version})
    assert nothing.status_code == 400 and "Cochez au moins une action à reprendre." in text_of(nothing)
    forged = planner_client.post(url, data={"version": version, "actions": ["x" * 40]})
    assert forged.status_code == 400 and "rechargez la page" in text_of(forged)
    broken = planner_client.post(url, data={"version": "abc", "actions": ["x"]})
    assert broken.status_code == 400
    # The adopted plan is no draft: read-only on a get, 403 on a post.
    adopted_url = f"/plans/{adopted.id}/reprise-du-plan-precedent"
    assert "Lecture seule" in text_of(planner_client.get(adopted_url))
    refused = planner_client.post(adopted_url, data={"version": "0", "actions": ["x"]})
    assert refused.status_code == 403 and "on ne reprend des actions que dans un plan en brouillon" in text_of(refused)
    # A reviewer reads, never carries.
    reviewer = make_user(Role.REVIEWER, email="relecteur@dgct.ml")
    client = app.test_client()
    login(client, reviewer.email)
    assert client.post(url, data={"version": version, "actions": ["x"]}).status_code == 403


def test_a_revision_opens_with_the_bilan(session, planner_client, adopted):
    response = planner_client.post(f"/plans/{adopted.id}/reviser")
    assert response.status_code == 303
    revision = session.scalar(sa.select(Plan).where(Plan.uuid == adopted.uuid, Plan.revision == 2))
    assert "exécution financière 38,13 %" in plain(revision.previous_review)
    listing = text_of(planner_client.get(f"/plans/{revision.id}/reprise-du-plan-precedent"))
    assert listing.count("déjà dans ce plan") == 2
