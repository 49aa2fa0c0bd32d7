"""A reviewer compares two plans and a planner opens the diaspora map: maps drawn, payload shown literally,
no dialog, no console error, no request to another host (guarded_page fails the test on the last two)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from plans.maps.compare import comparison_rows
from tests.e2e.test_plan_map import CENTER_LAT, CENTER_LON, _live_app

pytestmark = pytest.mark.e2e

XSS = "${alert(1)}<img src=x onerror=alert(1)>"


@pytest.fixture
def two_plan_ids(live_server):
    """Two plans of Koniakary, one action each (the first titled with the payload), and an association named
    with the payload, living in Montreuil with a section in Gabon."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service
    from plans.planning.models import Action, DiasporaAssociation, PopulationRecord, ScheduleEntry

    app = _live_app()
    with app.app_context():
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        ids = []
        for i, title in enumerate((XSS, "Forage du quartier Khasso")):
            plan = plan_service.create_plan(db.session, owner=owner, title=f"Plan comparé {i + 1} (e2e)",
                                            period_start=2026, user=planner)
            plan.population_records.append(PopulationRecord(year=2020, value=20000 + i, source="estimation"))
            plan.actions.append(Action(sector="sante", title=title, quantity=Decimal(1), unit_cost=5_000_000,
                                       lon=CENTER_LON, lat=CENTER_LAT, location_precision="exacte",
                                       schedule=[ScheduleEntry(year=2026, amount=5_000_000)]))
            db.session.flush()
            ids.append(plan.id)
        db.session.add(DiasporaAssociation(owner=owner, name=XSS, host_country="FR", host_city="Montreuil",
                                           sections="Gabon", sectors="sante",
                                           contact_details="ne-pas-afficher@example.org"))
        db.session.commit()
        db.session.remove()
    return ids


def _watch_dialogs(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def test_compare_two_plans(guarded_page: Page, log_in, two_plan_ids):
    dialogs = _watch_dialogs(guarded_page)
    page = log_in(guarded_page, Role.REVIEWER)
    page.goto("/plans/")
    page.get_by_role("link", name="Comparer des plans").click()
    # The picker narrows while typing (accents and case aside), and a click adds a plan without Ctrl.
    page.get_by_label("Rechercher un plan (titre ou collectivité)").fill("PLAN COMPARE 2")
    picker = page.locator("#compare-plans")
    expect(picker.locator(f'option[value="{two_plan_ids[1]}"]')).to_have_js_property("hidden", False)
    expect(picker.locator(f'option[value="{two_plan_ids[0]}"]')).to_have_js_property("hidden", True)
    expect(page.get_by_role("button", name="Filtrer la liste")).to_be_hidden()  # the no-JavaScript way
    page.get_by_label("Rechercher un plan (titre ou collectivité)").fill("")
    picker.select_option([str(i) for i in two_plan_ids])
    expect(page.locator("#compare-chosen")).to_contain_text("Choisis (2)")
    page.get_by_role("button", name="Comparer", exact=True).click()
    expect(page.locator(".folium-map")).to_have_count(2)
    expect(page.locator("path.action-marker")).to_have_count(2)
    table = page.locator("table.compare-table")
    for label, *_ in comparison_rows([]):  # every figure of the comparison, beside status and comments
        expect(table.get_by_role("rowheader", name=label, exact=False).first).to_be_visible()
    expect(table).to_contain_text("Commentaires non résolus")
    texts = []
    for i in range(2):  # one marker per map; the popup opens in the map clicked
        marker = page.locator("path.action-marker").nth(i)
        marker.click()
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_have_count(1)
        texts.append(popup.inner_text())
        page.locator(".folium-map").nth(i).focus()
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
    assert any(XSS in t for t in texts)  # literally, as typed
    expect(page.locator("img[src=x]")).to_have_count(0)
    page.evaluate("0")
    assert dialogs == []


def test_diaspora_map(guarded_page: Page, log_in, two_plan_ids):
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.maps.diaspora_map import diaspora_links, visible_associations

    app = _live_app()
    with app.app_context():
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        links = diaspora_links(visible_associations(db.session, planner))
        drawn = sum(1 for link in links if link.drawn)
        corridors = len({(link.host.key, link.origin) for link in links if link.drawn})
        db.session.remove()
    assert drawn >= 1

    dialogs = _watch_dialogs(guarded_page)
    page = log_in(guarded_page, Role.PLANNER)
    page.goto("/plans/")
    page.get_by_role("link", name="Carte de la diaspora").click()
    expect(page.locator("path.diaspora-link")).to_have_count(corridors)  # one line per host place and origin
    expect(page.locator("path.diaspora-section").first).to_be_attached()
    expect(page.locator("#associations tbody tr")).to_have_count(len(links))
    expect(page.locator("#associations")).to_contain_text(XSS)
    # Issue 15, item 7: the world's countries under the lines, each host place labelled, its destinations table.
    expect(page.locator("path.world-country").nth(150)).to_be_attached()
    expect(page.locator(".diaspora-label", has_text=re.compile(r"^Montreuil \(\d+\)$"))).to_be_visible()
    montreuil = page.locator("#destinations tr", has=page.get_by_role("rowheader", name="Montreuil"))
    expect(montreuil).to_contain_text("Commune de Koniakary")
    markers = page.locator("path.host-marker")
    texts = []
    for i in range(markers.count()):
        # The DOM click itself: an earlier popup may have panned this place out of the map's view.
        markers.nth(i).dispatch_event("click")
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_be_visible()
        texts.append(popup.inner_text())
        page.locator(".folium-map").focus()
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
    assert any(XSS in t for t in texts)
    assert not any("ne-pas-afficher" in t for t in texts)
    expect(page.locator("img[src=x]")).to_have_count(0)
    page.evaluate("0")
    assert dialogs == []
