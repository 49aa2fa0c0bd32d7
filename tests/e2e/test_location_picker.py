"""A planner places an action by clicking the small map of the action form (static/js/location_picker.js), then
types a point far outside Koniakary and is refused in French (plans/planning/location.py). Everything stays offline:
vendored Leaflet, no tiles; guarded_page fails the test on a console error or a request to another host."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect
from shapely.geometry import Point, shape

from plans.accounts.models import Role
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e


def _number(text: str) -> float:
    return float(text.replace(",", "."))


@pytest.fixture
def plan_id(live_server):
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service

    with _live_app().app_context():
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        plan = plan_service.create_plan(db.session, owner=owner, title="Plan du sélecteur de lieu (e2e)",
                                        period_start=2026, user=planner)
        db.session.commit()
        return plan.id


def _open_new_action(page: Page, plan_id: int):
    page.goto(f"/plans/{plan_id}/actions/nouvelle")
    box = page.locator("#location-map")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-ready", "1")
    expect(box.locator("path").first).to_be_attached()  # the territory's outline
    return box


def _accept_the_refusal(page: Page, plan_id: int) -> None:
    """The refused form comes back with status 400 (the app's contract), which chromium logs as a console error:
    that one expected message, and only it, is taken off the guarded page's problems."""
    expect(page.locator(".flash").first).to_contain_text("L'action n'a pas été enregistrée")
    page.evaluate("0")  # a round trip: the console message has arrived
    expected = f"status of 400 (BAD REQUEST) ({page.url.split('#')[0]})"
    assert page.url.endswith(f"/plans/{plan_id}/actions/nouvelle")
    page.problems[:] = [p for p in page.problems if not (p.startswith("console : ") and p.endswith(expected))]


def test_a_planner_places_the_action_by_clicking_the_map(guarded_page: Page, log_in, plan_id):
    page = guarded_page
    log_in(page, Role.PLANNER)
    box = _open_new_action(page, plan_id)
    territory = shape(json.loads(page.request.get(f"/plans/{plan_id}/territoire.geojson").text())
                      ["features"][0]["geometry"])

    box.click()  # the centre of the box: the centre of Koniakary's bounds, inside the commune
    lon, lat = page.get_by_label("Longitude").input_value(), page.get_by_label("Latitude").input_value()
    assert re.fullmatch(r"-\d+,\d{5}", lon) and re.fullmatch(r"\d+,\d{5}", lat), (lon, lat)
    assert territory.buffer(0.001).covers(Point(_number(lon), _number(lat)))
    expect(box.locator("path")).to_have_count(2)  # the territory and the marker

    page.get_by_label("Secteur", exact=True).select_option("sante")
    page.get_by_label("Intitulé de l'action").fill("Extension du CSCOM")
    page.get_by_label("Coût unitaire (FCFA)").fill("45 000 000")
    page.locator('[name="schedule-2026"]').fill("45 000 000")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".flash").first).to_contain_text("Action « Extension du CSCOM » enregistrée.")

    # A second action typed far outside the commune: the marker follows the inputs, the server refuses it.
    box = _open_new_action(page, plan_id)
    page.get_by_label("Secteur", exact=True).select_option("hydraulique")
    page.get_by_label("Intitulé de l'action").fill("Forage de Diakandapé")
    page.get_by_label("Coût unitaire (FCFA)").fill("12 000 000")
    page.locator('[name="schedule-2026"]').fill("12 000 000")
    page.get_by_label("Longitude").fill("-10,75")
    page.get_by_label("Latitude").fill("14,59")
    expect(box.locator("path")).to_have_count(2)
    page.get_by_role("button", name="Enregistrer l'action").click()
    _accept_the_refusal(page, plan_id)
    error = page.locator(".field-error", has_text="hors du territoire")
    expect(error).to_have_text(re.compile(
        r"^Le point \(lon, lat\) est hors du territoire de Koniakary \(à \d+,\d km de sa limite\)\. "
        r"Cliquez sur la carte à l'intérieur du territoire, ou corrigez les coordonnées\.$"))
    expect(page.get_by_label("Longitude")).to_have_value("-10,75")
    expect(page.get_by_label("Latitude")).to_have_value("14,59")
    expect(page.locator("#location-map")).to_have_attribute("data-ready", "1")  # the map shows the typed point
