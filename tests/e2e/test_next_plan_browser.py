"""The next plan in chromium on a laptop (1366×768): a planner of Koniakary opens a new plan after an adopted plan
with its 2025 execution, reads the bilan in section 1, and carries two unrealised actions over with what is left to
pay (app/execution/carry_over.py, plans/execution/nextplan.py).

The previous plan is a copy of Koniakary's demo plan (docs/DOMAIN.md §14) under its own uuid, adopted, with the
demo's 2025 execution of its water supply (in progress) and its CSCOM (realised); created by this test, it is the
newest of Koniakary's executed plans, so the one the new plan follows."""
from __future__ import annotations

import random
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.test_plan_map import _live_app

KHASSO = "Adduction d'eau potable du quartier Khasso"
CENTRE = "Centre de formation des jeunes et des migrants de retour"


def _previous_plan() -> None:
    """The adopted plan with its 2025 execution (its title is the demo's: section 1 sets it)."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.demo import data as D
    from plans.demo import execution as demo_execution
    from plans.demo import seed
    from plans.execution import service
    from plans.owners import service as owners_service
    from plans.planning.models import Plan, PlanStatus

    app = _live_app()
    with app.app_context():
        spec = {**D.TEST_CASES[0], "uuid": str(uuid.uuid4())}
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        seeded = seed.build_plan(db.session, owner, spec, user=planner, rng=random.Random(1))
        plan = db.session.get(Plan, seeded.id)
        plan.status = PlanStatus.ADOPTE
        db.session.flush()
        actions = {a.title: a for a in plan.actions}
        for name in ("Extension du CSCOM", KHASSO):
            record = demo_execution.EXECUTION_2025[name]
            service.save(db.session, plan, actions[name], 2025, {
                **{k: v for k, v in record.items() if k != "funding"},
                "funding": [{"mobilised": str(m), "paid": str(p)} for m, p in record["funding"]]}, 0, planner)
        db.session.commit()
        db.session.remove()


def test_a_planner_opens_the_next_plan_and_carries_two_actions_over(guarded_page: Page, log_in):
    _previous_plan()
    previous = "PDESC de la commune de Koniakary 2025-2029"
    guarded_page.set_viewport_size({"width": 1366, "height": 768})
    page = log_in(guarded_page)
    page.goto("/plans/nouveau")
    page.get_by_label("Titre du plan").fill("PDESC de la commune de Koniakary 2030-2034")
    page.get_by_label("Année de début").fill("2030")
    page.get_by_role("button", name="Créer le plan").click()
    expect(page.get_by_text(f"Le bilan du plan précédent « {previous} » a été repris")).to_be_visible()

    sections = page.get_by_role("navigation", name="Sections du plan")
    sections.get_by_role("link", name="1. Identification et démarche").click()
    bilan = page.get_by_label("Bilan du plan précédent")
    expect(bilan).to_contain_text(f"« {previous} »")
    expect(bilan).to_contain_text(f"– {KHASSO} : en cours, avancement 25\u00a0%, reste à payer "
                                  "43\u202f000\u202f000\u00a0FCFA.")

    page.get_by_role("link", name="Reprendre les actions non réalisées du plan précédent").click()
    expect(page.get_by_role("heading", name="Reprendre les actions du plan précédent")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("#reprise-actions")).not_to_contain_text("Extension du CSCOM")  # realised: not offered
    page.get_by_label(KHASSO).check()
    page.get_by_label(CENTRE).check()
    page.get_by_role("button", name="Reprendre les actions cochées").click()

    expect(page.get_by_text("2 actions reprises du plan précédent")).to_be_visible()
    expect(page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=KHASSO))).to_contain_text(
        "43\u202f000\u202f000")  # 60 000 000 planned − 17 000 000 paid
    expect(page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=CENTRE))).to_contain_text(
        "30\u202f000\u202f000")
    page.get_by_role("link", name="Reprendre les actions non réalisées du plan précédent").click()
    expect(page.locator("#reprise-actions .badge")).to_have_count(2)  # « déjà dans ce plan »
