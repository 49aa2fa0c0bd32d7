"""The « Exécution » pages in chromium, on a laptop (1366×768) and a tablet (768×1024): they fit the window, and a
planner records an action's year through the form as a person does; the reviewer reads them without a form.

The plan is a copy of Koniakary's demo plan (docs/DOMAIN.md §14) under its own uuid, adopted: the session's other
tests keep the demo plan itself as a draft."""
from __future__ import annotations

import random
import uuid

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

SIZES = {"portable": (1366, 768), "tablette": (768, 1024)}


@pytest.fixture(scope="module")
def executed_plan(live_server):
    """(plan id, id of its CSCOM action, id of its Tata action), the CSCOM's 2025 already recorded."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.demo import data as D
    from plans.demo import seed
    from plans.execution import service
    from plans.owners import service as owners_service
    from plans.planning.models import Plan, PlanStatus

    app = _live_app()
    with app.app_context():
        spec = {**D.TEST_CASES[0], "uuid": str(uuid.uuid4()), "title": "PDESC de Koniakary (exécution)"}
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        seeded = seed.build_plan(db.session, owner, spec, user=planner, rng=random.Random(1))
        plan = db.session.get(Plan, seeded.id)
        plan.status = PlanStatus.ADOPTE
        db.session.flush()
        actions = {a.title: a for a in plan.actions}
        service.save(db.session, plan, actions["Extension du CSCOM"], 2025, {
            "status": "en_cours", "progress": "40", "contractor": "Entreprise Diarra BTP",
            "funding": [{"mobilised": "10 000 000", "paid": "8 000 000"}, {}, {}]}, 0, planner)
        db.session.commit()
        ids = plan.id, actions["Extension du CSCOM"].id, actions["Restauration du Tata"].id
        db.session.remove()
    return ids


def _width(page: Page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


@pytest.mark.parametrize("size", SIZES)
def test_the_execution_pages_fit_the_window(guarded_page: Page, log_in, executed_plan, size):
    width, height = SIZES[size]
    guarded_page.set_viewport_size({"width": width, "height": height})
    page = log_in(guarded_page)
    plan_id, cscom, _tata = executed_plan
    for url in (f"/plans/{plan_id}/execution?annee=2025", f"/plans/{plan_id}/execution/2025/actions/{cscom}"):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        scroll, inner = _width(page)
        assert scroll <= inner, f"{url} : {scroll} px pour une fenêtre de {inner} px"


def test_a_planner_records_a_year_in_the_browser_and_a_reviewer_reads_it(guarded_page: Page, log_in,
                                                                          executed_plan):
    page = log_in(guarded_page)
    plan_id, _cscom, tata = executed_plan
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("link", name="Suivre l'exécution").click()
    expect(page.get_by_role("heading", name="À la fin de 2025")).to_be_visible()  # the latest year recorded
    page.get_by_role("link", name="Restauration du Tata").click()
    page.get_by_label("État d'exécution").select_option(label="Abandonné")
    page.get_by_label("Avancement physique à la fin de l'année (%)").fill("5")
    page.get_by_label("Observations").fill("Travaux arrêtés : litige foncier.")
    page.get_by_label("Mobilisé dans l'année (FCFA)").first.fill("1 000 000")
    page.get_by_label("Payé dans l'année (FCFA)").first.fill("1 000 000")
    page.get_by_role("button", name="Enregistrer l'exécution 2025").click()
    expect(page.get_by_text("Exécution 2025 de « Restauration du Tata » enregistrée.")).to_be_visible()
    row = page.locator(f"#action-{tata}")
    expect(row).to_contain_text("Abandonné")
    expect(row).to_contain_text("4,00")  # 1 000 000 paid of 25 000 000

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, Role.REVIEWER)
    page.goto(f"/plans/{plan_id}/execution/2025/actions/{tata}")
    expect(page.get_by_text("Lecture seule.")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer l'exécution 2025")).to_have_count(0)
    expect(page.get_by_label("Observations")).to_have_value("Travaux arrêtés : litige foncier.")
