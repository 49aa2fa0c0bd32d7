"""Where an action may be placed: inside its plan owner's territory (issue « Cartes », item 2).

    errors = check_location(plan.owner, lon, lat)          # [] when the point may be saved
    note = territory_warning(plan.owner)                    # None, or why the point cannot be checked
    stray = points_outside(session)                         # every plan's actions outside their territory

The rule
- lon in [-180, 180], lat in [-90, 90] (decimal degrees, WGS 84).
- The point must lie in the owner's territory: a collectivité's polygon, or for a grouping the union of its members'
  geometries (`owners_service.owner_geometry`: the grouping's geometry_cache, foreign members WITH a polygon included).
- A tolerance (default 500 m) absorbs a click on the boundary line, a GPS reading a few metres off, and the
  generalisation of the boundary layer (OCHA COD-AB, about 1:200 000). The distance to the territory is measured
  in metres on an azimuthal equidistant projection centred on the point itself (pyproj "+proj=aeqd"): distances
  from the projection's centre are true geodesic distances, so the figure in the message is exact whatever the
  UTM zone (Mali spans zones 28 to 31). The cheap test "is the point inside, in degrees?" comes first: a point
  inside costs no projection at all.
- Every precision gets the same check: "approximative" is the locality's centre (still in the territory);
  "masquee" keeps a point that only the owner's planners and the administrators see (plans/accounts/access.py
  `can_see_masked_location`, applied by `visible_point`), and may as well be left empty (an empty pair is always
  accepted, as before: "le lieu n'est pas encore connu").
- An owner without any geometry (a grouping whose members are foreign units known only by name, or a unit of a
  boundary edition without polygons) cannot be checked: the point is accepted, `territory_warning` says so.

In bulk: `points_outside` applies the same rule to every located action of every plan at once (`flask geodata
check-points`): after a newer edition is loaded and owners are moved to their successor units, or the boundaries
corrected, it lists the actions whose saved point is no longer in their plan's territory, for the planners to fix.
It is the one place geopandas serves here: one spatial join (`geopandas.sjoin`, predicate "intersects", i.e. the
territory covers the point, boundary included, as `distance_m`) of all the points against all the territories,
through an STRtree, then the exact distance of the few points outside. Measured on the 2015 communes (a script,
not a test): 6 000 points in 0.2 s against 0.3 s for a loop of `covers`; for one point (the action form,
`check_location`) `covers` takes 0.3 ms and a join of two one-row GeoDataFrames about 30 ms, so the form keeps
shapely.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import geopandas as gpd
import pyproj
import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from plans.core import geo
from plans.core.formatting import number
from plans.owners.models import PlanOwner
from plans.owners.service import owner_geometry
from plans.planning.models import Action, Plan
from plans.territory.models import BOUNDARY_ATTRIBUTION, AdminUnit

SHOWN_PRECISIONS = ("exacte", "approximative")
MASKED = "masquee"  # LOCATION_PRECISIONS key of a sensitive site
DEFAULT_TOLERANCE_M = 500
MSG_LON_RANGE = "La longitude va de -180 à 180 (le Mali est entre -12,3 et 4,3)."
MSG_LAT_RANGE = "La latitude va de -90 à 90 (le Mali est entre 10,1 et 25,0)."
MSG_OUTSIDE = ("Le point (lon, lat) est hors du territoire de {name} (à {distance} km de sa limite). "
               "Cliquez sur la carte à l'intérieur du territoire, ou corrigez les coordonnées.")
MSG_NO_GEOMETRY = ("Le territoire de {name} n'a pas de contour connu : le point n'est pas vérifié. "
                   "Vérifiez vous-même qu'il est bien sur le territoire.")


def is_masked(precision: Optional[str]) -> bool:
    """A masked location (a sensitive site), or a precision this code does not know: never shown as if public.
    No precision at all is the default one, "exacte"."""
    return precision not in (None, "", *SHOWN_PRECISIONS)


def shown_point(lon, lat, precision: Optional[str], reveal_masked: bool) -> tuple:
    """(lon, lat) as an output shows them: (None, None) when the location is masked and the reader may not see it
    (`reveal_masked`: plans.accounts.access.can_see_masked_location, asked once per output and plan)."""
    if is_masked(precision) and not reveal_masked:
        return None, None
    return lon, lat


def visible_point(action, reveal_masked: bool) -> tuple:
    """`shown_point` of an Action."""
    return shown_point(action.lon, action.lat, action.location_precision, reveal_masked)


def is_withheld(lon, lat, precision: Optional[str], reveal_masked: bool) -> bool:
    """Whether an output leaves out a point there is (masked, and the reader may not see it)."""
    return (lon is not None or lat is not None) and shown_point(lon, lat, precision, reveal_masked) == (None, None)


def _number(value) -> Optional[float]:
    if value is None or value == "":
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _geometry(owner) -> Optional[BaseGeometry]:
    geometry = owner_geometry(owner) if owner is not None else None
    return None if geometry is None or geometry.is_empty else geometry


def territory_warning(owner: Optional[PlanOwner]) -> Optional[str]:
    """Why a point placed for `owner` cannot be checked (no geometry at all), or None."""
    if owner is None or _geometry(owner) is not None:
        return None
    return MSG_NO_GEOMETRY.format(name=owner.name)


@lru_cache(maxsize=64)
def _aeqd(lon: float, lat: float):
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def distance_m(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """The distance in metres from (lon, lat) to `geometry` (0 inside), on an equidistant projection centred on
    the point."""
    point = Point(lon, lat)
    if geometry.covers(point):
        return 0.0
    transformer = _aeqd(round(lon, 7), round(lat, 7))
    projected = shapely.transform(geometry, lambda x, y: transformer.transform(x, y), interleaved=False)
    return float(projected.distance(Point(0.0, 0.0)))


def _km(metres: float) -> str:
    return number(round(metres / 1000, 1), 1, plain=True)


def check_location(owner: Optional[PlanOwner], lon: object, lat: object,
                   tolerance_m: float = DEFAULT_TOLERANCE_M) -> list[str]:
    """French messages refusing the point (lon, lat) for `owner`'s territory; [] when it may be saved.

    `lon`/`lat` are numbers (Decimal, float, int). Both None: nothing to check (no location). Only one given:
    the caller's "both or neither" rule reports it, not this one. An owner without geometry: accepted (see
    `territory_warning`)."""
    x, y = _number(lon), _number(lat)
    if lon is None and lat is None:
        return []
    errors = []
    if lon is not None and (x is None or not -180 <= x <= 180):
        errors.append(MSG_LON_RANGE)
    if lat is not None and (y is None or not -90 <= y <= 90):
        errors.append(MSG_LAT_RANGE)
    if errors or x is None or y is None:
        return errors
    geometry = _geometry(owner)
    if geometry is None:
        return []
    distance = distance_m(geometry, x, y)
    if distance <= tolerance_m:
        return []
    return [MSG_OUTSIDE.format(name=owner.name, distance=_km(distance))]


@dataclass(frozen=True)
class StrayPoint:
    """A located action outside its plan's territory, beyond the tolerance (`points_outside`)."""
    plan_id: int
    plan_title: str
    owner_name: str
    action_id: int
    action_title: str
    lon: float
    lat: float
    distance_m: float

    def line(self) -> str:
        return (f"Plan {self.plan_id} « {self.plan_title} » ({self.owner_name}) : action {self.action_id} "
                f"« {self.action_title} » au point ({self.lon:.5f}, {self.lat:.5f}), à {_km(self.distance_m)} km "
                f"du territoire")


def _territories(session: Session, owner_ids: set[int]) -> dict[int, BaseGeometry]:
    """Each owner's full geometry as `owner_geometry` gives it (unit's polygon, or grouping's cache), read in one
    query; owners without any left out."""
    rows = session.execute(
        sa.select(PlanOwner.id, PlanOwner.unit_id, PlanOwner.geometry_cache, AdminUnit.geometry)
        .outerjoin(AdminUnit, AdminUnit.id == PlanOwner.unit_id).where(PlanOwner.id.in_(owner_ids)))
    found = {}
    for owner_id, unit_id, cache, unit_geometry in rows:
        geometry = geo.from_wkb(unit_geometry if unit_id is not None else cache)
        if geometry is not None and not geometry.is_empty:
            found[owner_id] = geometry
    return found


def points_outside(session: Session, tolerance_m: float = DEFAULT_TOLERANCE_M,
                   plan_ids: Optional[set[int]] = None) -> list[StrayPoint]:
    """Every located action (of the plans `plan_ids`, default all) whose point `check_location` would refuse today:
    outside its plan owner's territory by more than `tolerance_m`. Owners without geometry are not checked (as
    `check_location`). Sorted by plan, then by the action's place in its plan."""
    query = (sa.select(Action.id, Action.title, Action.lon, Action.lat, Plan.id, Plan.title, Plan.owner_id,
                       PlanOwner.name)
             .join(Plan, Plan.id == Action.plan_id).join(PlanOwner, PlanOwner.id == Plan.owner_id)
             .where(Action.lon.is_not(None), Action.lat.is_not(None))
             .order_by(Plan.id, Action.position, Action.id))
    if plan_ids is not None:
        query = query.where(Plan.id.in_(plan_ids))
    rows = [r for r in session.execute(query)
            if -180 <= r[2] <= 180 and -90 <= r[3] <= 90]  # out of range: the form refuses them, no territory helps
    territories = _territories(session, {r[6] for r in rows})
    rows = [r for r in rows if r[6] in territories]
    if not rows:
        return []
    points = gpd.GeoDataFrame({"row": range(len(rows)), "owner_id": [r[6] for r in rows]},
                              geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
                              crs="EPSG:4326")
    shapes = gpd.GeoDataFrame({"territory_of": list(territories)}, geometry=list(territories.values()),
                              crs="EPSG:4326")
    joined = gpd.sjoin(points, shapes, how="inner", predicate="intersects")
    inside = set(joined.loc[joined["owner_id"] == joined["territory_of"], "row"])
    stray = []
    for index, (action_id, action_title, lon, lat, plan_id, plan_title, owner_id, owner_name) in enumerate(rows):
        if index in inside:
            continue
        distance = distance_m(territories[owner_id], lon, lat)
        if distance > tolerance_m:
            stray.append(StrayPoint(plan_id, plan_title, owner_name, action_id, action_title, lon, lat, distance))
    return stray


SIMPLIFY_DEGREES = 0.0005  # about 50 m: as the plan map (plans/maps/plan_map.py), well inside the tolerance
COORD_DECIMALS = 5


def territory_geojson(owner: Optional[PlanOwner]) -> str:
    """The owner's territory for the action form's location picker: a GeoJSON FeatureCollection with at most one
    Feature (the polygon simplified to ~50 m, coordinates rounded to 1e-5°), and as foreign members the owner's
    `name`, the `tolerance_m` and the `warning` of `territory_warning` (or null)."""
    geometry = _geometry(owner)
    features = []
    if geometry is not None:
        shown = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        shown = shapely.set_precision(shown, 10 ** -COORD_DECIMALS) if shown.is_valid else shown
        features.append({"type": "Feature", "properties": {"name": owner.name},
                         "geometry": json.loads(shapely.to_geojson(shown))})
    return json.dumps({"type": "FeatureCollection", "features": features, "name": owner.name if owner else "",
                       "tolerance_m": DEFAULT_TOLERANCE_M, "warning": territory_warning(owner),
                       "attribution": BOUNDARY_ATTRIBUTION if features else ""},
                      ensure_ascii=False, separators=(",", ":"))
