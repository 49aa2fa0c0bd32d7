"""A reviewer opens the national map: 701 communes drawn, the diaspora share chosen, région de Kayes filtered,
Koniakary listed at 9,69 % in the table twin, its row opens its plan; no console error, no external request
(guarded_page fails the test on those)."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from plans.accounts.models import Role

pytestmark = pytest.mark.e2e


def _live_app():
    for thread in threading.enumerate():
        if thread.name == "e2e-live-server":
            return thread._target.__self__.app
    raise RuntimeError("the e2e live server is not running")


@pytest.fixture
def tc1_plan_id(live_server):
    import sqlalchemy as sa

    from app.extensions import db
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.planning.models import Plan

    app = _live_app()
    with app.app_context():
        demo.seed_test_cases(db.session)  # idempotent: fixed uuids
        db.session.commit()
        plan_id = db.session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC1_UUID))
        db.session.remove()
    return plan_id


def test_reviewer_national_map(guarded_page, log_in, tc1_plan_id):
    page = guarded_page
    log_in(page, Role.REVIEWER)
    page.get_by_role("link", name="Carte nationale").click()
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    page.get_by_label("Indicateur", exact=True).select_option(label="Part de la diaspora dans le financement")
    expect(page.locator("#nat-legend-title")).to_have_text("Part de la diaspora dans le financement")
    page.get_by_label("Période (année couverte)").select_option("2025")  # TC1 2025-2029 (other tests add 2026 plans)
    page.get_by_label("Région", exact=True).select_option(label="Kayes")
    row = page.locator("#nat-rows tr", has=page.get_by_role("rowheader", name="Koniakary", exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("9,69")
    expect(page.locator("#nat-rows")).not_to_contain_text("Sikasso", timeout=20_000)  # the whole suite's plans
    assert "region=ML01" in page.url and "indicateur=diaspora" in page.url
    # The polygon shading follows: Koniakary is coloured, and the communes outside the filter are grey.
    fill = page.evaluate("""() => { var s = window.nationalMap.state;
        var out = null;
        s.communes.eachLayer(l => { if (l.feature.properties.c === 'ML010115') out = l.options.fillColor; });
        return out; }""")
    assert fill and fill != "#f0f0f0"
    # Koniakary's row links each of its plans (another test of the session may have added an adopted copy)
    row.locator(f'a[href="/plans/{tc1_plan_id}"]').first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{tc1_plan_id}$"))


@pytest.fixture
def diamou_plan_id(tc1_plan_id):
    """A plan of Diamou (cercle de Kayes): one action of 10 000 000 FCFA, 30 % from a diaspora association."""
    from decimal import Decimal

    from app.extensions import db
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service
    from plans.planning.models import Action, DiasporaAssociation, FundingLine, PopulationRecord, ScheduleEntry

    app = _live_app()
    with app.app_context():
        owner = owners_service.commune_owner(db.session, "ML010103")
        plan = plan_service.create_plan(db.session, owner=owner, title="PDESC de Diamou (e2e)", period_start=2025)
        plan.population_records.append(PopulationRecord(year=2024, value=18_000, source="estimation"))
        association = DiasporaAssociation(owner=owner, name="Ressortissants de Diamou en France", host_country="FR")
        plan.actions.append(Action(sector="hydraulique", title="Forage pastoral", quantity=Decimal(1),
                                   unit_cost=10_000_000, schedule=[ScheduleEntry(year=2025, amount=10_000_000)],
                                   funding_lines=[FundingLine(source_type="association_diaspora", amount=3_000_000,
                                                              association=association)]))
        db.session.add(association)
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def test_reviewer_finds_kayes_plans_above_20_percent_and_compares_two(guarded_page, log_in, tc1_plan_id,
                                                                       diamou_plan_id):
    """The issue's scenario: diaspora share above 20 % in the région de Kayes, open one, compare it."""
    page = guarded_page
    log_in(page, Role.REVIEWER)
    page.get_by_role("link", name="Carte nationale").click()
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    page.get_by_label("Indicateur", exact=True).select_option(label="Part de la diaspora dans le financement")
    page.get_by_label("Région", exact=True).select_option(label="Kayes")
    page.get_by_label("Période (année couverte)").select_option("2025")
    rows = page.locator("#nat-rows")
    expect(rows).to_contain_text("Koniakary")  # 9,69 %
    page.get_by_label("Valeur au moins").fill("20")
    page.get_by_label("Valeur au moins").press("Enter")
    expect(rows).not_to_contain_text("Koniakary")
    diamou = rows.locator("tr", has=page.get_by_role("rowheader", name="Diamou", exact=True))
    expect(diamou).to_contain_text("30,00")
    assert "min=20" in page.url
    fills = page.evaluate("""() => { var out = {}; window.nationalMap.state.communes.eachLayer(l => {
        var c = l.feature.properties.c; if (c === 'ML010115' || c === 'ML010103') out[c] = l.options.fillColor; });
        return out; }""")
    assert fills["ML010115"] == "#f0f0f0" and fills["ML010103"] != "#f0f0f0"  # below the minimum: greyed

    diamou.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{diamou_plan_id}$"))
    page.goto("/plans/comparer")
    page.locator("#compare-plans").select_option([str(diamou_plan_id), str(tc1_plan_id)])
    page.get_by_role("button", name="Comparer", exact=True).click()
    expect(page.locator(".folium-map")).to_have_count(2)
    table = page.locator("table.compare-table")
    expect(table).to_contain_text("PDESC de Diamou (e2e)")
    expect(table).to_contain_text("30,0\u00a0%")
    expect(table).to_contain_text("9,7\u00a0%")


def test_the_map_answers_kayes_zoom_layers_popup_png_and_sorting(guarded_page, log_in, tc1_plan_id, tmp_path):
    """Issue 15, item 4: choosing Kayes frames Kayes; the actions layer can be hidden; a click on an action shows
    its cost in FCFA; the current view downloads as a PNG; the table twin sorts by a column."""
    import shapely
    import sqlalchemy as sa

    from app.extensions import db
    from plans.territory.models import AdminUnit

    with _live_app().app_context():
        west, south, east, north = shapely.from_wkb(db.session.scalar(
            sa.select(AdminUnit.geometry_simplified).where(AdminUnit.code == "ML01"))).bounds
        db.session.remove()

    page = guarded_page
    log_in(page, Role.REVIEWER)
    page.goto("/carte-nationale")
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    expect(page.locator(".nat-label-region", has_text="Kayes")).to_have_count(1)  # régions' names at this zoom
    page.get_by_label("Période (année couverte)").select_option("2025")
    page.get_by_label("Région", exact=True).select_option(label="Kayes")
    expect(page.locator("#nat-rows")).not_to_contain_text("Sikasso", timeout=20_000)  # the whole suite's plans
    page.wait_for_function("""b => { var m = window.nationalMap.map.getBounds();
        return m.getSouth() <= b[0] && m.getWest() <= b[1] && m.getNorth() >= b[2] && m.getEast() >= b[3]
            && m.getNorth() - m.getSouth() < 2 * (b[2] - b[0]); }""", arg=[south, west, north, east],
        timeout=30_000)  # the whole suite's plans, on a loaded machine
    expect(page.locator(".nat-label-cercle", has_text="Yélimané")).to_have_count(1)  # closer in: the cercles
    expect(page.locator(".nat-cluster").first).to_be_visible()
    expect(page.locator("#nat-sectors")).to_contain_text("Santé")

    # The layers control hides the actions, then shows them again.
    page.locator(".leaflet-control-layers").hover()
    actions_box = page.get_by_label("Actions localisées")
    actions_box.uncheck()
    expect(page.locator(".nat-cluster")).to_have_count(0)
    expect(page.locator("path.action-point")).to_have_count(0)
    actions_box.check()
    expect(page.locator(".nat-cluster").first).to_be_visible()

    # A click on one of Koniakary's actions: its cost and funding, in FCFA.
    page.mouse.move(5, 5)
    page.locator("#national-map").scroll_into_view_if_needed()
    at = page.evaluate("""id => { var s = window.nationalMap.state, map = window.nationalMap.map, found = null;
        s.cluster.eachLayer(l => { if (!found && l._nat[0] === id) { found = l; } });
        map.setView(found.getLatLng(), 17, { animate: false });
        var p = map.latLngToContainerPoint(found.getLatLng()); return [p.x, p.y]; }""", tc1_plan_id)
    expect(page.locator("path.action-point").filter(visible=True).first).to_be_visible()  # other plans' are off
    box = page.locator("#national-map").bounding_box()
    page.mouse.click(box["x"] + at[0], box["y"] + at[1])  # a real click on Koniakary's action
    popup = page.locator(".nat-action-popup")
    expect(popup).to_contain_text("Coût total")
    expect(popup).to_contain_text("FCFA")
    expect(popup.get_by_role("link", name="PDESC de la commune de Koniakary 2025-2029")).to_have_count(1)

    # The current view as a PNG: the link carries the filters.
    link = page.get_by_role("link", name="Télécharger cette vue (image PNG)")
    assert "region=ML01" in link.get_attribute("href")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "vue.png"
    download.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The table twin sorts by a header's click, and back.
    page.get_by_label("Région", exact=True).select_option("")
    expect(page.locator("#nat-rows")).to_contain_text("Sikasso")
    header = page.locator("#nat-table thead th", has_text="Région")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    regions = page.locator("#nat-rows tr td:nth-child(3)").all_text_contents()
    assert regions == sorted(regions, key=str.casefold) and len(set(regions)) > 1
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    regions = page.locator("#nat-rows tr td:nth-child(3)").all_text_contents()
    assert regions == sorted(regions, key=str.casefold, reverse=True)


def test_the_maps_fit_a_laptop_and_a_tablet(sized_page, log_in, tc1_plan_id):
    """At 1366×768 and 768×1024 (sized_page fails the test on a page wider than its window): the national map
    with Kayes chosen, its legends beside or under it and the image link; the diaspora map with its world and its
    labelled places."""
    page = sized_page
    log_in(page, Role.REVIEWER)
    page.goto("/carte-nationale?region=ML01")
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    expect(page.locator(".nat-cluster").first).to_be_visible()
    for legend in ("Actions localisées", "Contours"):
        expect(page.locator("details.nat-fold summary", has_text=legend)).to_be_visible()
    expect(page.locator("#nat-sectors li").first).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger cette vue (image PNG)")).to_be_visible()
    # The layers control starts folded (a button): it covers no commune of Kayes.
    expect(page.locator(".leaflet-control-layers-expanded")).to_have_count(0)
    page.goto("/carte-diaspora")
    expect(page.locator("path.world-country").first).to_be_attached()
    expect(page.locator(".diaspora-label").first).to_be_visible()
    expect(page.locator("#destinations")).to_be_visible()
