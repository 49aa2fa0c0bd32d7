"""A DGCT reviewer at their desk, in a laptop's window (1366×768): the home page's work queue shows the plan
submitted three days ago; the dashboard filtered at « 20 % » of diaspora share keeps only the plan that reaches
it (and « vingt » is refused in French); the figures by territory lead from the région of Kayes to the cercle of
Yélimané and to its plan in the dashboard; the XLSX workbook downloads and opens with French headers, the
« Colonnes » sheet and its print set-up. No page scrolls sideways; no console error, no external request
(guarded_page)."""
from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from plans.accounts.models import Role
from tests.e2e.test_national_map import _live_app

pytestmark = pytest.mark.e2e
SEGOU_COMMUNE = "ML040101"  # a commune of Ségou, far from the test cases of Kayes and Sikasso


@pytest.fixture
def desk(live_server):
    """The test cases, Koniakary's plan submitted three days ago, and a Ségou plan 30 % funded by the diaspora."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.core.db import utcnow
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service
    from plans.planning.models import Action, FundingLine, Plan, PlanStatus, ScheduleEntry
    from plans.review.models import PlanTransition

    app = _live_app()
    with app.app_context():
        session = db.session
        demo.seed_test_cases(session)
        tc1 = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
        if tc1.status is not PlanStatus.SOUMIS:
            session.add(PlanTransition(plan_id=tc1.id, from_status=tc1.status.value, to_status="soumis",
                                       at=utcnow() - timedelta(days=3)))
            tc1.status = PlanStatus.SOUMIS
        title = "PDESC de test du bureau national 2031-2035"
        plan = session.scalar(sa.select(Plan).where(Plan.title == title))
        if plan is None:
            owner = owners_service.commune_owner(session, SEGOU_COMMUNE)
            plan = plan_service.create_plan(session, owner=owner, title=title, period_start=2031)
            plan.actions = [Action(position=0, title="Forage", sector="hydraulique", quantity=1, unit_cost=10_000_000,
                                   schedule=[ScheduleEntry(year=2031, amount=10_000_000)],
                                   funding_lines=[FundingLine(position=0, source_type="association_diaspora",
                                                              amount=3_000_000, status="promis"),
                                                  FundingLine(position=1, source_type="anict", amount=7_000_000,
                                                              status="acquis")])]
        session.commit()
        ids = {"tc1": tc1.id, "tc2": session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC2_UUID)),
               "segou": plan.id, "tc1_title": tc1.title, "segou_title": title}
        db.session.remove()
    return ids


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width} px wide"


def test_reviewer_desk_from_the_queue_to_the_workbook(guarded_page, log_in, desk):
    page = guarded_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, Role.REVIEWER)

    # Home: the work queue.
    to_take = page.locator('table[data-group="a_prendre"]')
    row = to_take.locator(f'tr[data-plan="{desk["tc1"]}"]')
    expect(row).to_contain_text("Soumis depuis 3 jours")
    expect(page.locator("#queue-counts")).to_contain_text("à prendre en revue")
    _no_sideways_scroll(page)

    # The dashboard at « 20 % » of diaspora share.
    page.get_by_role("link", name="Tableau des plans").first.click()
    page.get_by_label("Indicateur", exact=True).select_option(label="Part de la diaspora dans le financement")
    page.get_by_label("Valeur au moins").fill("vingt")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#f-min-erreur")).to_contain_text("« vingt » n'est pas un nombre")
    expect(page.get_by_label("Valeur au moins")).to_have_value("vingt")  # what was typed is kept
    page.problems.clear()  # the 400 of that refusal is the answer expected, not a problem
    page.get_by_label("Valeur au moins").fill("20 %")
    page.get_by_role("button", name="Filtrer").click()
    table = page.locator("#dash-table")
    expect(table.locator(f'tr[data-plan="{desk["segou"]}"]')).to_contain_text("30,00 %")
    expect(table.locator(f'tr[data-plan="{desk["tc1"]}"]')).to_have_count(0)  # 9,69 %: below
    expect(page.locator("#dash-count")).to_contain_text("Part de la diaspora dans le financement : au moins 20\u00a0%")
    _no_sideways_scroll(page)

    # The workbook of this selection.
    with page.expect_download() as info:
        page.get_by_role("link", name="Classeur complet (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    assert book.sheetnames == ["Plans", "Actions", "Financements", "Indicateurs", "Associations", "Colonnes"]
    plans = book["Plans"]
    header = [c.value for c in plans[1]]
    assert "Coût total (FCFA)" in header and "Émigrés pour 1 000 habitants" in header
    rows = [dict(zip(header, r)) for r in plans.iter_rows(min_row=2, values_only=True)]
    titles = {r["Titre du plan"] for r in rows}  # other browser tests may add plans: the filter holds for all
    assert desk["segou_title"] in titles and desk["tc1_title"] not in titles
    assert all(r["Part de la diaspora (%)"] >= 20 for r in rows)
    for r in rows:
        assert r["Coût total (FCFA)"] == r["Financement identifié (FCFA)"] + r["Non couvert (FCFA)"]
    assert plans.page_setup.orientation == "landscape" and plans.print_title_rows == "$1:$1"
    keys = {r[2] for r in book["Colonnes"].iter_rows(values_only=True) if r and len(r) > 2}
    assert "cout_total_fcfa" in keys

    # Figures by territory: Kayes, then the cercle of Yélimané, then its plan in the dashboard.
    page.get_by_role("link", name="Chiffres par territoire").first.click()
    expect(page.locator("#graphe-statuts-figure svg")).to_be_visible()
    _no_sideways_scroll(page)
    page.locator('tr[data-code="ML01"]').get_by_role("link", name="Kayes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("région de Kayes")
    page.locator('tr[data-code="ML0107"]').get_by_role("rowheader").get_by_role("link").click()
    expect(page.locator("#dash-table").locator(f'tr[data-plan="{desk["tc2"]}"]')).to_have_count(1)
    assert "cercle=ML0107" in page.url and "region=ML01" in page.url
    _no_sideways_scroll(page)
