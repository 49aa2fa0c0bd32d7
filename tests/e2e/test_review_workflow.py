"""The review in the browser: a planner submits, a reviewer takes the plan, comments on an action and sends it
back; the planner finds the comment on the action's page, corrects and resubmits; the reviewer validates.
guarded_page fails the test on a console error or a request to another host."""
from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

PLANNER_EMAIL = "planificateur@bellen.ml"
COMMENT = "Le coût du CSCOM paraît élevé : joignez le devis et précisez l'intitulé."
REASON = "Revoir l'action « Extension du CSCOM » (voir le commentaire)."


@pytest.fixture
def review_case(live_server):
    """The Koniakary test case rebuilt for Bellen (cercle de Ségou) with its own planner, so the plans and
    accounts the other browser tests count stay as they are. Returns (plan id, first action id)."""
    from app.extensions import db
    from plans.accounts import service as accounts_service
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners import service as owners_service

    with _live_app().app_context():
        owner = owners_service.commune_owner(db.session, "ML040202")
        planner = accounts_service.create_user(db.session, email=PLANNER_EMAIL, password=TEST_PASSWORD,
                                               role=Role.PLANNER, full_name="Planificatrice de Bellen",
                                               owners=[owner])
        spec = {**D.TC1, "uuid": None,
                "identification": {**D.TC1["identification"], "title": "PDESC de Bellen (revue e2e)"}}
        seeded = demo.build_plan(db.session, owner, spec, user=planner, rng=random.Random(3))
        db.session.commit()
        from plans.planning.models import Plan

        plan = db.session.get(Plan, seeded.id)
        ids = plan.id, plan.actions[0].id
        db.session.remove()
    return ids


def _log_in_as(page: Page, email: str) -> None:
    page.goto("/compte/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def _change_status(page: Page, plan_id: int, button: str, done: str, status: str) -> None:
    page.goto(f"/plans/{plan_id}/revue")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".flash").first).to_have_text(done)
    expect(page.locator("#statut-actuel")).to_have_text(status)


def test_submit_review_send_back_correct_resubmit_validate(guarded_page: Page, log_in, review_case):
    page = guarded_page
    plan_id, action_id = review_case

    _log_in_as(page, PLANNER_EMAIL)
    page.goto(f"/plans/{plan_id}")
    expect(page.locator(".status-banner")).to_contain_text("Statut : Brouillon")
    page.get_by_role("link", name="Revue et statut du plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revue et statut du plan")
    page.get_by_role("button", name="Soumettre le plan à la revue").click()
    expect(page.locator(".flash").first).to_have_text("Plan soumis à la revue de la DGCT.")
    expect(page.locator("#statut-actuel")).to_have_text("Soumis")
    _log_out(page)

    log_in(page, Role.REVIEWER)
    _change_status(page, plan_id, "Prendre le plan en revue", "Vous avez pris ce plan en revue.", "En revue")
    page.goto(f"/plans/{plan_id}/actions/{action_id}")
    comments = page.locator("#commentaires")
    comments.get_by_text("Commenter cette action").click()
    comments.get_by_label("Commentaire").fill(COMMENT)
    comments.get_by_role("button", name="Publier le commentaire").click()
    expect(page.locator(".flash").first).to_have_text("Commentaire ajouté.")
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/actions/{action_id}#commentaires$"))
    expect(comments.locator(".review-comment")).to_have_count(1)
    expect(comments.locator(".comment-body")).to_have_text(COMMENT)

    page.goto(f"/plans/{plan_id}/revue")
    page.get_by_label("Motif du renvoi (ce que le planificateur doit revoir)").fill(REASON)
    page.get_by_role("button", name="Renvoyer pour révision").click()
    expect(page.locator("#statut-actuel")).to_have_text("À réviser")
    _log_out(page)

    _log_in_as(page, PLANNER_EMAIL)
    page.goto(f"/plans/{plan_id}")
    banner = page.locator(".status-banner")
    expect(banner).to_contain_text("Statut : À réviser")
    expect(banner).to_contain_text(f"Motif du renvoi : {REASON}")
    expect(banner).to_contain_text("1 commentaire de revue non résolu")
    page.goto(f"/plans/{plan_id}/actions/{action_id}")
    comments = page.locator("#commentaires")
    expect(comments.locator(".comment-body")).to_have_text(COMMENT)
    expect(comments).to_contain_text("1 non résolu")
    page.get_by_label("Intitulé de l'action").fill("Extension du CSCOM (devis joint)")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".flash").first).to_contain_text("Action « Extension du CSCOM (devis joint) » enregistrée.")
    page.goto(f"/plans/{plan_id}/actions/{action_id}")
    page.locator("#commentaires").get_by_role("button", name="Marquer le fil comme résolu").click()
    expect(page.locator(".flash").first).to_have_text("Commentaire marqué comme résolu.")
    expect(page.locator("#commentaires")).to_contain_text("0 non résolu")
    _change_status(page, plan_id, "Soumettre à nouveau le plan corrigé",
                   "Plan corrigé soumis à nouveau à la revue.", "Soumis")
    _log_out(page)

    log_in(page, Role.REVIEWER)
    _change_status(page, plan_id, "Prendre le plan en revue", "Vous avez pris ce plan en revue.", "En revue")
    page.goto(f"/plans/{plan_id}/revue")  # the checklist left blank: the validation is confirmed
    page.get_by_label("Je valide malgré les points ouverts ci-dessus").check()
    page.get_by_role("button", name="Valider le plan").click()
    expect(page.locator(".flash").first).to_have_text("Plan validé.")
    expect(page.locator("#statut-actuel")).to_have_text("Validé")
    history = page.locator("table.transitions tbody tr")
    expect(history).to_have_count(6)
    expect(history.nth(2)).to_contain_text(REASON)
    expect(history.nth(5)).to_contain_text("Validé")
