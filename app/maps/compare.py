"""Plans side by side (/plans/comparer?plans=ID&plans=ID…): small maps, each with its funding bar, and the table of
plans/maps/compare.py (status, open comments, key figures, funding by state, sector mix).

Reached from the dashboard (plans ticked in its table, a GET form) and from a plan's page (« Comparer avec… »,
`?plans=ID`). Fewer than 2 plans, or `choisir` in the query → the picker: a <select multiple> of the plans the
user may read, narrowed by `q` (a « Filtrer » button without JavaScript; static/js/plan_picker.js narrows it while
typing), the plans already chosen always kept. More than 4, an unknown, duplicate or unreadable id leaving fewer
than 2 → the picker again with a French message and a 400, the choice kept; any plan the user may not read → 403
(readable_plan)."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import readable_plan
from app.maps import bp
from app.maps.tiles import basemap_spec
from plans.core.text import without_control_characters
from plans.maps.compare import (
    HOUSEHOLD_NOTE,
    MAX_PLANS,
    MIN_PLANS,
    choices,
    comparison_table,
    funding_bar,
    plan_indicators,
)
from plans.maps.offline import map_components
from plans.maps.plan_map import build_plan_map, map_actions, plan_legend, territory_shapes
from plans.owners.service import owner_geometry
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning.models import Plan
from plans.review import comments as review_comments

TOO_MANY = f"Choisissez au plus {MAX_PLANS} plans à comparer."
TOO_FEW = f"Choisissez au moins {MIN_PLANS} plans existants à comparer."
MAX_QUERY = 100


def _ids(values: list[str]) -> list[int] | None:
    ids = []
    for value in values:
        value = value.strip()
        if not value.isdecimal() or len(value) > 9:
            return None
        if int(value) not in ids:
            ids.append(int(value))
    return ids


def _picker(raw: list[str], message: str | None = None, status: int = 200):
    query = without_control_characters(request.args.get("q", ""))[:MAX_QUERY].strip()
    chosen = tuple(int(v) for v in raw if v.strip().isdecimal() and len(v.strip()) <= 9)
    offered = choices(plan_service.visible_plans(db.session, current_user), query, chosen)
    return render_template("maps/compare.html", plans=None, choices=offered, selected=chosen, query=query,
                           message=message, max_plans=MAX_PLANS), status


@bp.get("/plans/comparer")
@login_required
def compare():
    raw = [v for v in request.args.getlist("plans") if v.strip()]
    if len(raw) < MIN_PLANS or "choisir" in request.args:
        return _picker(raw)
    ids = _ids(raw)
    if ids is not None and len(ids) > MAX_PLANS:
        return _picker(raw, TOO_MANY + f" Vous en avez coché {len(ids)}.", 400)
    if ids is None or len(ids) < MIN_PLANS:
        return _picker(raw, TOO_FEW + " Le même plan compte une fois.", 400)
    for plan_id in ids:
        if db.session.get(Plan, plan_id, options=finance.load_options()) is None:
            return _picker(raw, TOO_FEW + f" Le plan n° {plan_id} n'existe pas.", 400)
    plans = [readable_plan(plan_id) for plan_id in ids]  # 403 if any is not readable
    indicators, maps, legends = [], [], []
    for plan in plans:
        fin = finance.plan_finance(plan)
        indicators.append(plan_indicators(plan, fin))
        members, entries = territory_shapes(plan.owner), map_actions(plan, fin)
        m = build_plan_map(plan, owner_geometry(plan.owner), members=members, entries=entries,
                           basemap=basemap_spec(), compact=True)
        maps.append(map_components(m))
        legends.append(plan_legend(entries, members))
    open_threads = review_comments.unresolved_counts(db.session, ids)
    js = list(dict.fromkeys(src for c in maps for src in c.js))
    css = list(dict.fromkeys(href for c in maps for href in c.css))
    return render_template("maps/compare.html", plans=plans, groups=comparison_table(indicators, open_threads),
                           maps=maps, legends=legends, bars=[funding_bar(i) for i in indicators], js=js, css=css,
                           indicators=indicators, household_note=HOUSEHOLD_NOTE, ids=ids,
                           open_threads=open_threads)
