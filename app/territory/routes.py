"""The territory browser: régions › cercles › communes, the neighbours' units, and the search every picker uses;
the administrators set a Malian unit's official name (« Nom officiel ») on its page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import show_errors
from app.extensions import db
from app.guards import role_required
from app.territory import bp
from app.territory.forms import OfficialNameForm, SuccessionForm
from plans.accounts import access
from plans.accounts.models import Role
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import POPULATION_SOURCES, label
from plans.maps import national
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning import succession
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


def _unit_or_404(code: str):
    found = ts.unit_by_code(db.session, code)
    if found is None:
        abort(404, f"Aucune unité territoriale n'a le code « {code[:64]} ».")
    return found


def _render_unit(found, form: OfficialNameForm | None = None, status: int = 200, conflict: bool = False):
    if form is None and current_user.role == Role.ADMIN and ts.can_have_official_name(found):
        form = OfficialNameForm(formdata=None, official_name=found.official_name or "",
                                seen=found.official_name or "")
    children = ts.children(db.session, found)
    plans, population = _plans_and_population(found)
    return render_template("territory/unit.html", unit=found, crumbs=ts.breadcrumbs(found), children=children,
                           children_label=ts.children_label(found, len(children)), area=ts.area_label(found.area_km2),
                           country_name=ts.country_name(found.country_iso3),
                           groupings=owners_service.groupings_of_unit(db.session, found),
                           plans=plans, population=population, official_form=form, conflict=conflict), status


@bp.route("/<code>")
@login_required
def unit(code: str):
    return _render_unit(_unit_or_404(code))


@bp.route("/<code>/nom-officiel", methods=["POST"])
@role_required(Role.ADMIN)
def official_name(code: str):
    """Sets or clears the unit's official name (plans.territory.service.set_official_name): 400 with the typed name
    kept when refused, 409 when another administrator changed it since the page was shown."""
    found = _unit_or_404(code)
    form = OfficialNameForm()
    try:
        changed = ts.set_official_name(db.session, found, form.official_name.data, request.form.get("seen"),
                                       acting_user=current_user, ip=request.remote_addr or "")
        owners_service.sync_collectivite_names(db.session, [found])
    except ConflictError:
        db.session.rollback()
        found = _unit_or_404(code)
        form.seen.data = found.official_name or ""  # sending again replaces the stored name, knowingly
        return _render_unit(found, form, status=409, conflict=True)
    except ValidationError as error:
        db.session.rollback()
        found = _unit_or_404(code)
        form.seen.data = found.official_name or ""
        show_errors(form, error)
        return _render_unit(found, form, status=400)
    db.session.commit()
    if changed:
        national.clear_caches()  # this process's maps now; the others' when they see official_name_set_at change
        flash(f"Nom officiel enregistré : {found.official_name}." if found.official_name else
              f"Nom officiel retiré : l'unité reprend le nom des fichiers de limites ({found.display_name}).",
              "success")
    else:
        flash("Nom officiel inchangé.", "success")
    return redirect(url_for("territory.unit", code=found.code), 303)


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


# --- an owner moved to the units of the current edition (plans/planning/succession.py) ------------------------

def _movable_owner(owner_id: int) -> PlanOwner:
    owner = db.session.get(PlanOwner, owner_id)
    if owner is None:
        abort(404, "Cette collectivité ou ce groupement n'existe pas.")
    if not access.can_move_owner(current_user, owner):
        abort(403, "Seuls ses planificateurs et les administrateurs font passer une collectivité aux nouvelles "
                   "unités.")
    return owner


def _render_succession(owner: PlanOwner, form: SuccessionForm | None = None, status: int = 200):
    found = succession.succession(db.session, owner)
    if form is None:
        form = SuccessionForm(formdata=None, version=str(owner.version_id))
    form.successor.choices = [(u.code, f"{u.display_name} ({u.code})") for u in found.choices]
    if form.successor.errors and not (found.needed and found.choices and not found.orphans):
        # the successor list is not shown (nothing to choose, or a unit without successor): its message goes above
        # the page, where the error summary would otherwise link to a field that is not there
        form.form_errors.extend(form.successor.errors)
        form.successor.errors = []
    plans = db.session.scalars(sa.select(Plan).where(Plan.owner_id == owner.id).order_by(Plan.id)).all()
    return render_template("territory/succession.html", owner=owner, found=found, form=form, plans=plans), status


@bp.route("/collectivites/<int:owner_id>/nouvelle-edition", methods=["GET", "POST"])
@login_required
def succession_page(owner_id: int):
    """Shows where the owner's units went in the current edition; POST moves it there in one step (400 with the
    message when refused, 409 when the owner changed since the page was shown)."""
    owner = _movable_owner(owner_id)
    if request.method == "GET":
        return _render_succession(owner)
    form = SuccessionForm()
    if not form.validate_on_submit():
        return _render_succession(owner, form, 400)
    try:
        moved = succession.move_owner(db.session, owner, current_user, successor_code=form.successor.data,
                                      expected_version=form.version.data, ip=request.remote_addr or "")
    except ConflictError:
        db.session.rollback()
        owner = _movable_owner(owner_id)
        form = SuccessionForm(formdata=None, version=str(owner.version_id))
        form.form_errors.append("Cette collectivité a été modifiée entre-temps (par exemple déjà passée aux "
                                "nouvelles unités) : voici son état actuel.")
        return _render_succession(owner, form, 409)
    except ValidationError as error:
        db.session.rollback()
        owner = _movable_owner(owner_id)
        show_errors(form, error)
        return _render_succession(owner, form, 400)
    db.session.commit()
    national.clear_caches()
    units = ", ".join(u.display_name for u in ([moved.unit] if moved.unit is not None else moved.member_units))
    flash(f"{moved.name} est passée aux unités de l'édition courante : {units}.", "success")
    if moved.unit is not None:
        return redirect(url_for("territory.unit", code=moved.unit.code), 303)
    return redirect(url_for("groupings.detail", owner_id=moved.id), 303)
