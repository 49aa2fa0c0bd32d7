"""A reviewer, then a planner, open the map of Koniakary's plan: markers, popups with the payload shown literally,
nothing external.

Contract of the page (app/templates/maps/plan_map.html, plans/maps/plan_map.py): one `path.action-marker`
(a Leaflet CircleMarker, the only interactive paths: the territory is not) per action located and not masked — a
masked site too, as `path.action-marker.masked-site`, for the owner's planners and the administrators only;
a `path.diaspora-ring` around those the diaspora finances; a popup (`.leaflet-popup-content`) with the title,
the cost and the financing; a table twin listing every action; no dialog, no console error, no request to another
host (guarded_page fails the test on the last two).
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role

pytestmark = pytest.mark.e2e

XSS = "${alert(1)}<img src=x onerror=alert(1)>`"
CENTER_LON, CENTER_LAT = -10.92288, 14.58481  # Koniakary's label point


def _live_app():
    """The Flask app the session's live server runs (tests/e2e/conftest.py starts it in this thread)."""
    for thread in threading.enumerate():
        if thread.name == "e2e-live-server":
            return thread._target.__self__.app  # the werkzeug server's serve_forever, bound to the server
    raise RuntimeError("the e2e live server is not running")


@pytest.fixture
def map_plan_id(live_server):
    """A plan of Koniakary with four actions: the payload (exact), one approximate, one masked, one unlocated."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service
    from plans.planning.models import Action, Axis, DiasporaAssociation, FundingLine, Objective, ScheduleEntry

    app = _live_app()
    with app.app_context():
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        plan = plan_service.create_plan(db.session, owner=owner, title="Plan de la carte (e2e)", period_start=2026,
                                        user=planner)
        association = DiasporaAssociation(owner=owner, name="Enndam <b>Jombuku</b>", host_country="FR")
        health = Objective(title="Soigner", position=0)
        plan.axes = [Axis(title="Santé <i>pour tous</i>", position=0, objectives=[health])]

        def action(position, title, sector, dlon, dlat, precision="exacte", lines=(), objective=None,
                   status="prevu"):
            return Action(plan=plan, position=position, title=title, sector=sector, quantity=Decimal(1),
                          objective=objective, status=status,
                          unit_cost=12_000_000, lon=None if dlon is None else CENTER_LON + dlon,
                          lat=None if dlat is None else CENTER_LAT + dlat, location_precision=precision,
                          schedule=[ScheduleEntry(year=2026, amount=12_000_000)], funding_lines=list(lines))

        db.session.add_all([association,
            action(0, XSS, "sante", 0.0, 0.0, objective=health, lines=[
                FundingLine(position=0, source_type="association_diaspora", amount=4_000_000,
                            association=association),
                FundingLine(position=1, source_type="budget_communal", amount=2_000_000, status="acquis")]),
            action(1, "AEP du quartier Khasso", "hydraulique", -0.012, 0.008, precision="approximative",
                   status="en_cours"),
            action(2, "Maison des femmes", "promotion_feminine", 0.01, -0.008, precision="masquee"),
            action(3, "Centre de formation", "emploi", None, None)])
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def test_plan_map_shows_markers_and_literal_popups(guarded_page: Page, log_in, map_plan_id):
    dialogs = []
    guarded_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = log_in(guarded_page, Role.REVIEWER)
    page.goto(f"/plans/{map_plan_id}/carte")
    title = page.title()

    markers = page.locator("path.action-marker")
    expect(markers).to_have_count(2)  # the exact and the approximate one; the masked and the unlocated are not
    expect(page.locator("path.leaflet-interactive")).to_have_count(2)  # the territory is not interactive
    expect(page.locator("path.diaspora-ring")).to_have_count(1)
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(4)  # + the commune's polygon
    expect(page.locator(".map-legend")).to_contain_text("Financé par la diaspora")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Limites : DNCT/OCHA (CC BY 4.0)")
    expect(page.locator(".leaflet-control-attribution a")).to_have_count(0)

    texts = []
    popup = page.locator(".leaflet-popup-content")
    for i in range(2):
        markers.nth(i).click()
        expect(popup).to_be_visible()
        texts.append(popup.inner_text())
        page.locator(".folium-map").focus()  # Escape closes the popup, which would cover the next marker
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
    payload_popup = next(t for t in texts if XSS in t)  # literally, as typed
    assert "Coût total : 12\u202f000\u202f000\u00a0FCFA" in payload_popup
    diaspora_line = "Association de la diaspora — Enndam <b>Jombuku</b> (promis) : 4\u202f000\u202f000\u00a0FCFA"
    assert diaspora_line in payload_popup
    assert "Non couvert : 6\u202f000\u202f000\u00a0FCFA" in payload_popup
    assert any("Localisation approximative" in t for t in texts)
    expect(page.locator(".leaflet-popup-content img, .leaflet-popup-content b")).to_have_count(0)

    table = page.locator("table.twin")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text(XSS)
    expect(table).to_contain_text("localisation masquée")
    expect(page.locator("img[src=x]")).to_have_count(0)

    page.evaluate("0")  # let pending events arrive
    assert dialogs == []
    assert page.title() == title


def test_the_layer_control_hides_a_sector(guarded_page: Page, log_in, map_plan_id):
    page = log_in(guarded_page, Role.REVIEWER)
    page.goto(f"/plans/{map_plan_id}/carte")
    expect(page.locator("path.action-marker")).to_have_count(2)
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label").filter(has_text="Santé").locator("input").uncheck()
    expect(page.locator("path.action-marker")).to_have_count(1)
    expect(page.locator(".leaflet-control-layers-overlays strong")).to_have_text("Financé par la diaspora (1)")


def test_the_filter_control_hides_actions_by_axis_and_by_status(guarded_page: Page, log_in, map_plan_id):
    page = log_in(guarded_page, Role.REVIEWER)
    page.goto(f"/plans/{map_plan_id}/carte")
    markers, rings = page.locator("path.action-marker"), page.locator("path.diaspora-ring")
    expect(markers).to_have_count(2)
    control = page.locator(".map-filter")
    control.locator("summary").click()
    axis = control.locator("fieldset").filter(has_text="Axe stratégique")
    expect(axis.locator("label")).to_have_text(["Santé <i>pour tous</i>", "Sans axe stratégique"])  # literal
    expect(control.locator("i")).to_have_count(0)

    axis.locator("label").filter(has_text="Santé").locator("input").uncheck()
    expect(markers).to_have_count(1)  # the payload (axis Santé) is hidden, with its diaspora ring
    expect(rings).to_have_count(0)
    axis.locator("label").filter(has_text="Santé").locator("input").check()
    expect(markers).to_have_count(2)
    expect(rings).to_have_count(1)

    status = control.locator("fieldset").filter(has_text="Statut")
    expect(status.locator("label")).to_have_text(["Prévu", "En cours"])
    status.locator("label").filter(has_text="En cours").locator("input").uncheck()
    expect(markers).to_have_count(1)
    status.locator("label").filter(has_text="Prévu").locator("input").uncheck()
    expect(markers).to_have_count(0)
    # The sector layers still work underneath: ticking a status back shows only the sectors left on.
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label").filter(has_text="Santé").locator("input").uncheck()
    status.locator("label").filter(has_text="Prévu").locator("input").check()
    expect(markers).to_have_count(0)  # Prévu is the Santé action, whose sector is off
    status.locator("label").filter(has_text="En cours").locator("input").check()
    expect(markers).to_have_count(1)


def test_the_owners_planner_sees_the_masked_site_dashed_with_a_note(guarded_page: Page, log_in, map_plan_id):
    """The masked site (plans/accounts/access.py `can_see_masked_location`): its planners see it, marked as such."""
    page = log_in(guarded_page, Role.PLANNER)
    page.goto(f"/plans/{map_plan_id}/carte")
    expect(page.locator("path.action-marker")).to_have_count(3)
    masked = page.locator("path.action-marker.masked-site")
    expect(masked).to_have_count(1)
    masked.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Maison des femmes")
    expect(popup).to_contain_text("Localisation masquée, visible des seuls planificateurs de la collectivité")
    expect(page.locator(".map-legend")).to_contain_text("Site sensible (localisation masquée)")
