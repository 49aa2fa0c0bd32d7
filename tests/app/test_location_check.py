"""The action form refuses a point outside the owner's territory (plans/planning/location.py), next to the longitude,
and offers the location picker (static/js/location_picker.js) with the territory as GeoJSON."""
import json
import re

import pytest

from plans.owners import service as owners_service
from plans.planning import service as plan_service
from tests.app.test_section_actions import actions_of, error_after, form_data, post_new

INSIDE = ("-10,92288", "14,58481")  # Koniakary's label point
FAR = ("-10,75", "14,59")  # about 15 km east of Koniakary


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary 2025-2029",
                                    period_start=2025, user=planner)
    session.commit()
    return plan


def cscom(lon, lat, precision="exacte"):
    return form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"}, [],
                     lon=lon, lat=lat, location_precision=precision)


def test_a_point_outside_koniakary_is_refused_next_to_the_longitude(planner_client, plan, session):
    response = post_new(planner_client, plan, cscom(*FAR))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    found = re.search(r"Le point \(lon, lat\) est hors du territoire de Koniakary \(à ([\d,]+) km de sa limite\)\. "
                      r"Cliquez sur la carte à l&#39;intérieur du territoire, ou corrigez les coordonnées\.", html)
    assert found, html
    assert 10 < float(found.group(1).replace(",", ".")) < 20
    message = found.group(0).replace("&#39;", "'")
    assert error_after(html, "lon", message)
    assert 'value="-10,75"' in html and 'value="14,59"' in html  # typed values kept
    assert actions_of(session, plan) == []


@pytest.mark.parametrize("precision", ["exacte", "approximative", "masquee"])
def test_every_precision_is_checked_the_same_way(planner_client, plan, session, precision):
    assert post_new(planner_client, plan, cscom(*FAR, precision=precision)).status_code == 400
    assert post_new(planner_client, plan, cscom(*INSIDE, precision=precision)).status_code == 303
    [action] = actions_of(session, plan)
    assert (action.lon, action.lat, action.location_precision) == (-10.92288, 14.58481, precision)


def test_a_point_inside_is_saved_and_no_point_at_all_too(planner_client, plan, session):
    assert post_new(planner_client, plan, cscom(*INSIDE)).status_code == 303
    assert post_new(planner_client, plan, cscom("", "", precision="masquee")).status_code == 303
    first, second = actions_of(session, plan)
    assert (first.lon, first.lat) == (-10.92288, 14.58481)
    assert (second.lon, second.lat, second.location_precision) == (None, None, "masquee")


def test_the_form_offers_the_picker_with_vendored_leaflet(planner_client, plan):
    html = planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert f'data-territory-url="/plans/{plan.id}/territoire.geojson"' in html
    assert 'id="location-map"' in html and 'data-editable="1"' in html
    for asset in ("vendor/leaflet/leaflet.css", "vendor/leaflet/leaflet.js", "js/location_picker.js"):
        assert f"/static/{asset}" in html
    assert "http://" not in html and "https://" not in html


def test_the_territory_geojson(planner_client, plan):
    response = planner_client.get(f"/plans/{plan.id}/territoire.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection" and data["name"] == "Koniakary" and data["warning"] is None
    [feature] = data["features"]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert data["tolerance_m"] == 500
    again = planner_client.get(f"/plans/{plan.id}/territoire.geojson",
                               headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_owner_without_geometry_gets_an_empty_territory_and_a_warning(session, make_user, client):
    from tests.conftest import login

    owner = owners_service.create_grouping(session, kind="glct", name="GLCT de Ménaka",
                                           member_codes=["ML0704-X-ALATA"], foreign_by_name=[("Tillia", "NER")])
    session.commit()
    user = make_user(email="glct@menaka.ml", owners=[owner])
    plan = plan_service.create_plan(session, owner=owner, title="PDL du GLCT", period_start=2025, user=user)
    session.commit()
    login(client, "glct@menaka.ml")
    data = json.loads(client.get(f"/plans/{plan.id}/territoire.geojson").get_data(as_text=True))
    assert data["features"] == [] and "n'a pas de contour connu" in data["warning"]
    assert post_new(client, plan, cscom("4,2", "15,9")).status_code == 303  # accepted: cannot be checked
