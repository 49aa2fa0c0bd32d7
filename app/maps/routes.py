"""The plan's map (/plans/<id>/carte) and its PNG (/plans/<id>/carte.png): thin views over plans.maps.

Embedding the "components" (docs/ARCHITECTURE.md, pitfall 3): the page renders folium's div and script itself and
links the vendored Leaflet files, dropping folium's header (it would restyle the whole page: `html, body
{height:100%}`, a `user-scalable=no` viewport, `#map {position:absolute}`). Chosen over an iframe srcdoc because
the map, its legend and its table twin then live in ONE document: one set of styles, no HTML-escaped copy of the
map inside an attribute (srcdoc adds about 20 % to the page), a browser's zoom and screen reader see one page,
and the browser tests click markers without switching frames.
"""
from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import readable_plan
from app.maps import bp
from app.maps.tiles import basemap_spec
from plans.accounts import access
from plans.maps import plan_map as plan_map_module
from plans.maps.offline import map_components
from plans.maps.plan_map import MASKED, NOT_LOCATED, build_plan_map, map_actions, territory_shapes
from plans.maps.static_map import build_static_map_png, neighbour_geometries
from plans.owners.service import member_summary, owner_geometry
from plans.planning import completeness, finance
from plans.planning.models import Plan
from plans.territory.models import BOUNDARY_ATTRIBUTION


def _plan(plan_id: int) -> Plan:
    # Actions, schedules, lines, their associations and the sections the checklist reads: a few queries (not one
    # per action or per association).
    return readable_plan(plan_id, (*completeness.load_options(), *plan_map_module.load_options()))


@bp.get("/plans/<int:plan_id>/carte")
@login_required
def plan_map(plan_id: int):
    plan = _plan(plan_id)
    fin = finance.plan_finance(plan)
    entries = map_actions(plan, fin, reveal_masked=access.can_see_masked_location(current_user, plan.owner))
    owner = plan.owner
    members = territory_shapes(owner)
    geometry = owner_geometry(owner)
    components = map_components(build_plan_map(plan, geometry, members=members, entries=entries,
                                                basemap=basemap_spec()))
    summary = member_summary(owner) if owner.is_grouping else None
    return render_template(
        "maps/plan_map.html", plan=plan, check=completeness.check_plan(plan, fin), section=None, map=components,
        entries=entries, placed=[e for e in entries if e.placed],
        masked=[e for e in entries if e.location == MASKED and not e.placed],
        masked_shown=[e for e in entries if e.location == MASKED and e.placed],
        not_located=[e for e in entries if e.location == NOT_LOCATED],
        summary=summary, has_geometry=geometry is not None, attribution=BOUNDARY_ATTRIBUTION)


@bp.get("/plans/<int:plan_id>/carte.png")
@login_required
def plan_map_png(plan_id: int):
    """The map of the Word document, as it prints there: a masked site is never drawn, for any reader."""
    plan = _plan(plan_id)
    geometry = owner_geometry(plan.owner)
    png = build_static_map_png(plan, geometry, members=territory_shapes(plan.owner),
                               context=neighbour_geometries(db.session, geometry))
    response = Response(png, mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="carte-plan-{plan.id}.png"'
    response.headers["Cache-Control"] = "private, no-cache"  # revalidated: 304 while the plan is unchanged
    response.add_etag()
    return response.make_conditional(request)
