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


def _log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def test_reviewer_compares_three_plans_then_validates_with_a_thread_open(guarded_page, log_in, desk):
    page = guarded_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, Role.REVIEWER)

    # Three plans ticked in the dashboard, compared side by side.
    page.get_by_role("link", name="Tableau des plans").first.click()
    for key in ("tc1", "tc2", "segou"):
        page.locator(f'#dash-table tr[data-plan="{desk[key]}"] input[name="plans"]').check()
    page.get_by_role("button", name="Comparer la sélection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparer des plans")
    figures = page.locator("figure.compare-plan")
    expect(figures).to_have_count(3)
    table = page.locator("table.compare-table")
    expect(table.locator("tr", has=page.get_by_role("rowheader", name="Statut", exact=True))).to_contain_text("Soumis")
    expect(table).to_contain_text("Commentaires non résolus")
    expect(table).to_contain_text("Acquis")
    expect(table).to_contain_text("Hydraulique (AEP, forages)")  # the sector mix
    for width, height in ((1366, 768), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        _no_sideways_scroll(page)
        for i in range(3):  # the legend is under its map, nothing of it over the map
            figure = figures.nth(i)
            expect(figure.locator(".leaflet-container")).to_be_visible()
            assert figure.locator(".leaflet-control-layers, .map-legend, .map-filter").count() == 0
            box = figure.locator(".compare-map").bounding_box()
            legend = figure.locator(".compare-legend").bounding_box()
            assert legend["y"] >= box["y"] + box["height"] - 1
    page.set_viewport_size({"width": 1366, "height": 768})

    # Through the review: taken, a comment and its reply in one thread, a validation confirmed with it open.
    figures.nth(0).get_by_role("link", name=desk["tc1_title"]).click()
    page.get_by_role("link", name="Revue et statut du plan").first.click()
    page.get_by_role("button", name="Prendre le plan en revue").click()
    expect(page.locator("#statut-actuel")).to_have_text("En revue")
    page.get_by_label("Commentaire", exact=True).fill("Le forage de Diakandapé : joignez le devis.")
    page.get_by_role("button", name="Publier le commentaire").click()
    expect(page.locator(".flash").first).to_have_text("Commentaire ajouté.")
    _log_out(page)

    log_in(page, Role.PLANNER)
    page.goto(f"/plans/{desk['tc1']}/revue")
    thread = page.locator(".review-thread", has_text="joignez le devis")
    thread.get_by_text("Répondre", exact=True).click()
    thread.get_by_label("Votre réponse").fill("Devis ajouté en annexe.")
    thread.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator(".flash").first).to_have_text("Réponse ajoutée.")
    thread = page.locator(".review-thread", has_text="joignez le devis")
    expect(thread.locator(".comment-replies")).to_contain_text("Devis ajouté en annexe.")
    expect(page.locator(".review-thread")).to_have_count(1)  # the reply is in the thread, not a thread of its own
    _log_out(page)

    log_in(page, Role.REVIEWER)
    page.goto(f"/plans/{desk['tc1']}/revue")
    decision, comments = page.locator("#decision").bounding_box(), page.locator("#commentaires").bounding_box()
    assert decision["y"] > comments["y"] > page.locator("#controle").bounding_box()["y"]
    expect(page.locator("#points-ouverts")).to_contain_text("Commentaire non résolu (Le plan dans son ensemble)")
    page.get_by_role("button", name="Valider le plan").click()
    expect(page.locator("#points-ouverts .field-error")).to_contain_text("Des points restent ouverts")
    expect(page.locator("#statut-actuel")).to_have_text("En revue")
    page.problems.clear()  # the 400 of that refusal is the answer expected
    page.get_by_label("Je valide malgré les points ouverts ci-dessus").check()
    page.get_by_role("button", name="Valider le plan").click()
    expect(page.locator(".flash").first).to_have_text("Plan validé.")
    expect(page.locator("#statut-actuel")).to_have_text("Validé")
    last = page.locator("table.transitions tbody tr").last
    expect(last).to_contain_text("Validé malgré les points ouverts suivants")
    expect(last).to_contain_text("joignez le devis")
    _no_sideways_scroll(page)
