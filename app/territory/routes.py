"""The territory browser: régions › cercles › communes, the neighbours' units, and the search every picker uses."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.territory import bp
from plans.accounts import access
from plans.core.vocab import POPULATION_SOURCES, label
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning.models import Plan
from plans.territory import service as ts
from plans.territory.models import MALI, NEIGHBOUR_ISO2

PAGE_RESULTS = 50
JSON_RESULTS = 20


def _levels(value: str | None) -> list[int] | None:
    """"3" or "1,2" → [3] or [1, 2]; anything else → no filter."""
    levels = [int(v) for v in (value or "").split(",") if v.strip().isdecimal() and 1 <= int(v) <= 3]
    return levels or None


def _country(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value if value in NEIGHBOUR_ISO2 else None


@bp.route("/")
@login_required
def browse():
    q = request.args.get("q", "").strip()[:100]
    country = _country(request.args.get("pays"))
    results = ts.search_units(db.session, q, limit=PAGE_RESULTS) if q else None
    foreign_units = ts.top_units(db.session, country) if country and country != MALI else None
    return render_template("territory/browse.html", q=q, results=results, regions=ts.regions(db.session),
                           countries=ts.neighbour_countries(), country=country, foreign_units=foreign_units,
                           country_name=ts.country_name(country) if country else "",
                           summary=ts.unit_summary, too_short=bool(q) and len(q) < ts.MIN_QUERY_LENGTH)


@bp.route("/recherche.json")
@login_required
def search_json():
    """{"results": [unit_summary…]} (at most 20), for the type-ahead pickers. Parameters: q, level, country, foreign."""
    foreign = {"1": True, "0": False}.get(request.args.get("foreign", ""))
    units = ts.search_units(db.session, request.args.get("q", "")[:100], levels=_levels(request.args.get("level")),
                            country=_country(request.args.get("country")), foreign=foreign, limit=JSON_RESULTS)
    response = jsonify(results=ts.summaries(units))
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.route("/<code>")
@login_required
def unit(code: str):
    found = ts.unit_by_code(db.session, code)
    if found is None:
        abort(404, f"Aucune unité territoriale n'a le code « {code[:64]} ».")
    children = ts.children(db.session, found)
    plans, population = _plans_and_population(found)
    return render_template("territory/unit.html", unit=found, crumbs=ts.breadcrumbs(found), children=children,
                           children_label=ts.children_label(found, len(children)), area=ts.area_label(found.area_km2),
                           country_name=ts.country_name(found.country_iso3),
                           groupings=owners_service.groupings_of_unit(db.session, found),
                           plans=plans, population=population)


def _plans_and_population(unit):
    """The plans of the unit's collectivité that the user may read (latest revision first), and the most recent
    population record among them (None when no plan gives one)."""
    owner = db.session.scalar(sa.select(PlanOwner).where(PlanOwner.unit_id == unit.id))
    if owner is None or not access.can_read_owner(current_user, owner):
        return [], None
    plans = list(db.session.scalars(sa.select(Plan).where(Plan.owner_id == owner.id)
                                    .order_by(Plan.period_start.desc(), Plan.revision.desc())))
    records = [(r, p) for p in plans for r in p.population_records]
    latest = max(records, key=lambda rp: rp[0].year, default=None)
    if latest is None:
        return plans, None
    return plans, {"record": latest[0], "plan": latest[1], "source": label(POPULATION_SOURCES, latest[0].source)}


@bp.route("/<code>/limites.geojson")
@login_required
def unit_geojson(code: str):
    """The unit's polygon for the map of its page (static/js/unit_map.js)."""
    found = ts.unit_by_code(db.session, code)
    if found is None:
        abort(404)
    response = jsonify(ts.unit_geojson(found))
    response.mimetype = "application/geo+json"
    return response
