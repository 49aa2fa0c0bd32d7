"""Plans side by side (/plans/comparer?plans=ID&plans=ID…): small maps and the indicator table of
plans/maps/compare.py. Fewer than 2 plans given → the selection form; more than 4, or an unknown/duplicate id
leaving fewer than 2 → 400 with a French message; any plan the user may not read → 403 (readable_plan)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import readable_plan
from app.maps import bp
from app.maps.tiles import basemap_spec
from plans.maps.compare import HOUSEHOLD_NOTE, MAX_PLANS, MIN_PLANS, comparison_rows, plan_indicators
from plans.maps.offline import map_components
from plans.maps.plan_map import build_plan_map, map_actions, territory_shapes
from plans.owners.service import owner_geometry
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning.models import Plan

TOO_MANY = f"Choisissez au plus {MAX_PLANS} plans à comparer."
TOO_FEW = f"Choisissez au moins {MIN_PLANS} plans existants à comparer."


def _ids(values: list[str]) -> list[int] | None:
    ids = []
    for value in values:
        value = value.strip()
        if not value.isdecimal() or len(value) > 9:
            return None
        if int(value) not in ids:
            ids.append(int(value))
    return ids


@bp.get("/plans/comparer")
@login_required
def compare():
    raw = [v for v in request.args.getlist("plans") if v.strip()]
    if len(raw) < MIN_PLANS:
        return render_template("maps/compare.html", plans=None, rows=None, maps=None,
                               choices=plan_service.visible_plans(db.session, current_user), selected=raw,
                               message=None)
    ids = _ids(raw)
    if ids is not None and len(ids) > MAX_PLANS:
        abort(400, TOO_MANY)
    if ids is None or len(ids) < MIN_PLANS:
        abort(400, TOO_FEW)
    plans = []
    for plan_id in ids:
        loaded = db.session.get(Plan, plan_id, options=finance.load_options())
        if loaded is None:
            abort(400, TOO_FEW + f" Le plan n° {plan_id} n'existe pas.")
        plans.append(readable_plan(plan_id))  # 403 if any is not readable
    indicators, maps = [], []
    for plan in plans:
        fin = finance.plan_finance(plan)
        indicators.append(plan_indicators(plan, fin))
        m = build_plan_map(plan, owner_geometry(plan.owner), members=territory_shapes(plan.owner),
                           entries=map_actions(plan, fin), basemap=basemap_spec())
        maps.append(map_components(m))
    js = list(dict.fromkeys(src for c in maps for src in c.js))
    css = list(dict.fromkeys(href for c in maps for href in c.css))
    return render_template("maps/compare.html", plans=plans, rows=comparison_rows(indicators), maps=maps,
                           js=js, css=css, indicators=indicators, household_note=HOUSEHOLD_NOTE)
