"""A reviewer reads the execution on the national map (issue 16, item 6): Koniakary's adopted plan with the demo's
2025 execution recorded (plans/demo/execution.py) is coloured by its financial execution rate, 38,13 % (61 000 000
paid of 160 000 000), its tooltip says the year, the legend says how the year is chosen and that a commune without
execution has no colour, and the table twin lists the physical rate and the diaspora's mobilised share.

The plan is a copy of Koniakary's demo plan under its own uuid, adopted (the session's other tests keep the demo
plan itself as a draft); the filters « adopté » and 2025 keep it as Koniakary's plan on the map."""
from __future__ import annotations

import random
import uuid

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def executed_koniakary(live_server):
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
        spec = {**D.TEST_CASES[0], "uuid": str(uuid.uuid4()), "title": "PDESC de Koniakary (exécution suivie)"}
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        plan = db.session.get(Plan, seed.build_plan(db.session, owner, spec, user=planner, rng=random.Random(2)).id)
        plan.status = PlanStatus.ADOPTE
        db.session.flush()
        actions = {a.title: a for a in plan.actions}
        for title, year_spec in demo_execution.EXECUTION_2025.items():
            data = {**{k: v for k, v in year_spec.items() if k != "funding"},
                    "funding": [{"mobilised": m, "paid": p} for m, p in year_spec["funding"]]}
            service.save(db.session, plan, actions[title], 2025, data, 0, planner)
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def test_the_national_map_shows_koniakarys_execution_rate(guarded_page: Page, log_in, executed_koniakary):
    page = guarded_page
    log_in(page, Role.REVIEWER)
    page.goto("/carte-nationale?statut=adopte&periode=2025&region=ML01")
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    page.get_by_label("Indicateur", exact=True).select_option(label="Exécution financière (payé ÷ coût prévu)")
    expect(page.locator("#nat-legend-title")).to_have_text("Exécution financière (payé ÷ coût prévu)")
    expect(page.locator("#nat-legend-note")).to_contain_text("dernière année saisie")
    expect(page.locator("#nat-legend")).to_contain_text("pas d'exécution saisie")
    assert "indicateur=execution_financiere" in page.url

    row = page.locator("#nat-rows tr", has=page.get_by_role("rowheader", name="Koniakary", exact=True))
    expect(row).to_have_count(1)
    expect(row.get_by_role("link").first).to_have_attribute("href", f"/plans/{executed_koniakary}")
    # Year, physical rate, financial rate, the diaspora's mobilised share (2 500 000 of 15 500 000).
    cells = row.locator("td.num")
    expect(cells.nth(-4)).to_have_text("2025")
    expect(cells.nth(-3)).to_have_text("38,28\u00a0%")
    expect(cells.nth(-2)).to_have_text("38,13\u00a0%")
    expect(cells.nth(-1)).to_have_text("16,13\u00a0%")

    # The polygon is coloured by that rate (25 to 50 %: the third class) and its tooltip says the year.
    fill = page.evaluate("""() => { var out = null;
        window.nationalMap.state.communes.eachLayer(l => {
            if (l.feature.properties.c === 'ML010115') { out = l.options.fillColor; l.openTooltip(); } });
        return out; }""")
    assert fill == "#feb24c"
    expect(page.locator(".leaflet-tooltip")).to_contain_text("38,13\u00a0% (fin 2025)")
