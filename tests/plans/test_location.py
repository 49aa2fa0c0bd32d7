"""plans/planning/location.py: an action's point must lie in its owner's territory, within a tolerance in metres."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pyproj
import pytest
import sqlalchemy as sa
from shapely.geometry import Point, box
from shapely.ops import nearest_points

from plans.core import geo
from plans.owners import service as owners_service
from plans.owners.service import owner_geometry
from plans.planning import location
from plans.planning import service as plan_service
from plans.planning.models import Action, Plan
from plans.territory.models import AdminUnit
from tests.factories import YELIMANE_CODES, yelimane_grouping

SQUARE = {"type": "Polygon", "coordinates": [[[-4.9, 11.2], [-4.8, 11.2], [-4.8, 11.3], [-4.9, 11.3], [-4.9, 11.2]]]}
GEOD = pyproj.Geod(ellps="WGS84")


def km_in(message: str) -> float:
    found = re.search(r"à ([\d ,]+) km de sa limite", message)
    assert found, message
    return float(found.group(1).replace(" ", "").replace(",", "."))


def east_vertex(geometry):
    """The territory's easternmost vertex (lon, lat)."""
    coords = [c for poly in getattr(geometry, "geoms", [geometry]) for c in poly.exterior.coords]
    return max(coords)


def test_a_point_inside_koniakary_is_accepted(koniakary_owner):
    assert location.check_location(koniakary_owner, -10.92288, 14.58481) == []
    assert location.check_location(koniakary_owner, Decimal("-10.95"), Decimal("14.57")) == []  # as cleaned


def test_no_point_at_all_is_accepted(koniakary_owner):
    assert location.check_location(koniakary_owner, None, None) == []


def test_just_outside_within_the_tolerance_is_accepted(koniakary_owner):
    lon, lat = east_vertex(owner_geometry(koniakary_owner))
    just_out = lon + 0.0025  # about 270 m east of the easternmost vertex at 14.6° N
    assert not owner_geometry(koniakary_owner).covers(Point(just_out, lat))
    assert location.check_location(koniakary_owner, just_out, lat) == []
    refused = location.check_location(koniakary_owner, just_out, lat, tolerance_m=100)
    assert len(refused) == 1 and "hors du territoire de Koniakary" in refused[0]


def test_far_outside_is_refused_with_the_distance_in_km(koniakary_owner):
    geometry = owner_geometry(koniakary_owner)
    lon, lat = east_vertex(geometry)
    far = (lon + 0.11, lat)  # about 11,8 km east
    [message] = location.check_location(koniakary_owner, *far)
    assert message.startswith("Le point (lon, lat) est hors du territoire de Koniakary (à ")
    assert message.endswith("km de sa limite). Cliquez sur la carte à l'intérieur du territoire, "
                            "ou corrigez les coordonnées.")
    nearest = nearest_points(geometry, Point(*far))[0]
    _, _, geodesic_m = GEOD.inv(far[0], far[1], nearest.x, nearest.y)
    assert km_in(message) == pytest.approx(geodesic_m / 1000, abs=0.15)
    assert 10 < km_in(message) < 12.5


def test_the_distance_is_measured_in_metres_on_the_ground():
    territory = box(-11.0, 14.0, -10.9, 14.1)
    # 0.1° of latitude is about 11.06 km at 14° N, 0.1° of longitude about 10.80 km
    assert location.distance_m(territory, -10.95, 14.2) == pytest.approx(11_063, rel=0.003)
    assert location.distance_m(territory, -10.8, 14.05) == pytest.approx(10_792, rel=0.003)
    assert location.distance_m(territory, -10.95, 14.05) == 0.0


def test_ranges_are_checked(koniakary_owner):
    assert location.check_location(koniakary_owner, 200, 14.5) == [location.MSG_LON_RANGE]
    assert location.check_location(koniakary_owner, -10.9, -95) == [location.MSG_LAT_RANGE]


def _inner_point(session, code):
    unit = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == code)
                          .options(sa.orm.undefer(AdminUnit.geometry)))
    p = geo.from_wkb(unit.geometry).representative_point()
    return (p.x, p.y)


def test_a_grouping_accepts_any_point_of_its_union(session):
    sicm = yelimane_grouping(session)
    for code in (YELIMANE_CODES[0], YELIMANE_CODES[-1]):  # two different member communes
        assert location.check_location(sicm, *_inner_point(session, code)) == []
    [message] = location.check_location(sicm, -10.92288, 14.58481)  # Koniakary is not in the SICM
    assert message.startswith(f"Le point (lon, lat) est hors du territoire de {sicm.name} (à ")


def test_a_foreign_member_with_a_polygon_is_part_of_the_territory(session):
    glct = owners_service.create_grouping(session, kind="glct", name="GLCT de test", member_codes=["ML030711"],
                                          foreign_by_name=[("Koloko", "BFA", json.dumps(SQUARE))])
    session.commit()
    assert location.check_location(glct, -4.85, 11.25) == []  # in Koloko (Burkina Faso)
    assert location.territory_warning(glct) is None
    alone = owners_service.create_grouping(session, kind="glct", name="GLCT sans Koloko", member_codes=["ML030711"],
                                           foreign_by_name=[("Orodara", "BFA")])
    session.commit()
    assert not owner_geometry(alone).covers(Point(-4.85, 11.25))
    assert location.check_location(alone, -4.85, 11.25)  # without Koloko's polygon: outside


def test_an_owner_without_geometry_is_accepted_with_a_warning(session):
    owner = owners_service.create_grouping(session, kind="glct", name="GLCT de Ménaka",
                                           member_codes=["ML0704-X-ALATA"], foreign_by_name=[("Tillia", "NER")])
    session.commit()
    assert owner_geometry(owner) is None
    assert location.check_location(owner, 4.2, 15.9) == []
    assert location.check_location(owner, 2.0, 13.5) == []
    assert location.territory_warning(owner) == (
        "Le territoire de GLCT de Ménaka n'a pas de contour connu : le point n'est pas vérifié. "
        "Vérifiez vous-même qu'il est bien sur le territoire.")
    assert location.check_location(owner, 300, 15.9) == [location.MSG_LON_RANGE]  # the ranges still hold


def _actions_at(session, plan, points):
    actions = [Action(plan=plan, position=i, sector="sante", title=title, lon=lon, lat=lat)
               for i, (title, lon, lat) in enumerate(points)]
    session.add_all(actions)
    session.commit()
    return actions


def test_points_outside_lists_in_bulk_what_the_action_form_would_refuse(session, plan):
    """The bulk check (`flask geodata check-points`) keeps the form's rule: boundary and tolerance included, a
    grouping's union, owners without geometry left unchecked."""
    geometry = owner_geometry(plan.owner)
    lon, lat = east_vertex(geometry)
    sicm_plan = plan_service.create_plan(session, owner=yelimane_grouping(session), title="PDESC du SICM",
                                         period_start=2025, user=None)
    blind = owners_service.create_grouping(session, kind="glct", name="GLCT de Ménaka",
                                           member_codes=["ML0704-X-ALATA"], foreign_by_name=[("Tillia", "NER")])
    blind_plan = plan_service.create_plan(session, owner=blind, title="PDESC de Ménaka", period_start=2025,
                                          user=None)
    session.commit()
    _actions_at(session, plan, [("Puits du centre", -10.92288, 14.58481), ("Sans lieu", None, None),
                                ("Au bord", lon + 0.0025, lat), ("Loin à l'est", lon + 0.11, lat),
                                ("Sur un sommet", lon, lat)])
    sicm_inside = _inner_point(session, YELIMANE_CODES[-1])
    _actions_at(session, sicm_plan, [("Dans le SICM", *sicm_inside), ("À Koniakary", -10.92288, 14.58481)])
    _actions_at(session, blind_plan, [("Nulle part", 2.0, 13.5)])

    stray = location.points_outside(session)
    assert [(p.plan_id, p.action_title) for p in stray] == [(plan.id, "Loin à l'est"), (sicm_plan.id, "À Koniakary")]
    for point in stray:  # the same figure as the form's message
        owner = session.get(Plan, point.plan_id).owner
        [message] = location.check_location(owner, point.lon, point.lat)
        assert f"à {location._km(point.distance_m)} km de sa limite" in message
    assert stray[0].line() == (f"Plan {plan.id} « PDESC de Koniakary 2025-2029 » (Koniakary) : action "
                               f"{stray[0].action_id} « Loin à l'est » au point ({lon + 0.11:.5f}, {lat:.5f}), "
                               f"à {location._km(stray[0].distance_m)} km du territoire")
    # a tighter tolerance catches the point just outside too, as the form would
    assert [p.action_title for p in location.points_outside(session, tolerance_m=100, plan_ids={plan.id})] == [
        "Au bord", "Loin à l'est"]


def test_geodata_check_points_reports_the_stray_actions(runner, session, plan):
    lon, lat = east_vertex(owner_geometry(plan.owner))
    _actions_at(session, plan, [("Puits du centre", -10.92288, 14.58481)])
    result = runner.invoke(args=["geodata", "check-points"])
    assert result.exit_code == 0, result.output
    assert "Toutes les actions placées sont dans le territoire de leur plan." in result.output
    _actions_at(session, plan, [("Loin à l'est", lon + 0.11, lat)])
    result = runner.invoke(args=["geodata", "check-points"])
    assert result.exit_code == 1
    assert "« Loin à l'est »" in result.output and "1 action(s) hors du territoire de leur plan." in result.output
