"""Section 5 — Actions (PIP): the list (the PIP table), the form of one action, duplicate, reorder, delete.

Views are thin: the figures come from plans.planning.finance (action_figures / plan_finance), the rules and the writes
from plans.planning.actions. The generic route `planning.section` delegates the GET of /plans/<id>/actions to
`render_list`. Actions are saved one at a time, each with its own version (a stale form → 409 showing the stored
action and keeping what was typed). The section is registered as an editor so that the history's restore
route can restore an action (plans.planning.actions exposes dump/apply for one action's snapshot).
"""
from __future__ import annotations

from types import SimpleNamespace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import MethodNotAllowed
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.choices import country_choices, select_choices
from app.extensions import db
from app.loaders import can_edit, editable_plan, readable_plan
from app.planning import bp, conflicts, editors, row_limits
from app.planning.fields import TrimmedStringField
from plans.accounts import access
from plans.core import formatting
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import (
    ACTION_STATUSES,
    DIASPORA_SOURCES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    LOCATION_PRECISIONS,
    MIGRATION_TAGS,
    SECTORS,
)
from plans.planning import actions as actions_service
from plans.planning import completeness, finance, indicators, location, sections
from plans.planning.cofinancing import scheme_choices, scheme_label
from plans.planning.models import Action, Plan
from plans.planning.sectiondata.migration import associations_of
from plans.review import comments as review_comments

SECTION = actions_service.SECTION
BLANK_LINES = row_limits.BLANK_ROWS  # empty funding rows offered on a fresh form: adding a line works without JS
BLOCK_KEYS = ("schedule", "funding_lines")  # errors about a whole block, shown at the top of that block


# ----- Forms --------------------------------------------------------------------------------------------------

class FundingLineForm(Form):
    source_type = SelectField("Source", choices=select_choices(FUNDING_SOURCES.items(), blank="— source —"),
                              validate_choice=False)
    source_name = TrimmedStringField("Nom du financeur")
    association_id = SelectField("Association de la diaspora", validate_choice=False)
    association_section = TrimmedStringField("Section qui paie (ville, pays)")
    # An association not registered yet: created on save (section 3 completes it later), without leaving the form.
    new_association_name = TrimmedStringField("ou nouvelle association : nom")
    new_association_country = SelectField("Pays du siège de la nouvelle association", validate_choice=False)
    amount = TrimmedStringField("Montant (FCFA)")
    share_pct = TrimmedStringField("ou part (%)")
    status = SelectField("Statut", choices=select_choices(FUNDING_STATUSES.items()), default="promis",
                         validate_choice=False)
    in_kind = BooleanField("En nature")


class ActionForm(FlaskForm):
    version = HiddenField()
    objective_id = SelectField("Objectif (section 4)", validate_choice=False)
    sector = SelectField("Secteur", choices=select_choices(SECTORS.items(), blank="— secteur —"),
                         validate_choice=False)
    sub_sector = TrimmedStringField("Sous-secteur")
    title = TrimmedStringField("Intitulé de l'action")
    expected_results = TextAreaField("Résultats attendus")
    localities = TrimmedStringField("Localité(s)")
    maitre_ouvrage = TrimmedStringField("Maître d'ouvrage")
    quantity = TrimmedStringField("Quantité", default="1")
    unit = TrimmedStringField("Unité")
    unit_cost = TrimmedStringField("Coût unitaire (FCFA)")
    total_override = TrimmedStringField("Coût total saisi à la main (FCFA)")
    override_reason = TrimmedStringField("Raison du coût total saisi")
    # « Financé par la diaspora » is not offered: it follows the funding lines (plans.planning.indicators).
    tags = SelectMultipleField("Liens avec la migration",
                               choices=select_choices(indicators.TYPED_MIGRATION_TAGS.items()),
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                               validate_choice=False)
    status = SelectField("Statut", choices=select_choices(ACTION_STATUSES.items()), default="prevu",
                         validate_choice=False)
    cofinancing_scheme = SelectField("Dispositif de cofinancement", choices=select_choices(scheme_choices()),
                                     validate_choice=False)
    lon = TrimmedStringField("Longitude")
    lat = TrimmedStringField("Latitude")
    location_precision = SelectField("Précision", choices=select_choices(LOCATION_PRECISIONS.items()),
                                     default="exacte", validate_choice=False)
    funding_lines = FieldList(FormField(FundingLineForm), min_entries=0)


def _schedule_attr(year: int) -> str:
    return f"schedule_{year}"


def _form_class(plan: Plan, action: Action | None = None) -> type:
    """The action form with one amount input per plan year, named "schedule-<year>" as plans/finance's keys, and one
    per year the saved action is programmed in outside the period (« hors période », the period was shortened or
    moved since): such an amount keeps its own input, so the planner sees it and moves it, and a save never drops
    it (plans/planning/actions.py refuses it until it is moved into the period)."""
    in_period = set(plan.years)
    stored = {e.year for e in action.schedule} if action is not None else set()
    years = sorted(in_period | stored)
    fields = {_schedule_attr(y): TrimmedStringField(str(y) if y in in_period else f"{y} (hors période)",
                                                    name=f"schedule-{y}") for y in years}
    fields["schedule_years"] = years
    fields["out_of_period_years"] = [y for y in years if y not in in_period]
    return type("PlanActionForm", (ActionForm,), fields)


def _number(value) -> str:
    return formatting.number(value, plain=True) if value is not None else ""


def _decimal(value) -> str:
    return str(value).replace(".", ",") if value not in (None, "") else ""


def _form_data(plan: Plan, data: dict) -> dict:
    """`actions_service.dump_action` → the form's initial data, figures written the French way."""
    out = {
        "objective_id": str(data["objective_id"]) if data.get("objective_id") else "",
        "sector": data.get("sector") or "", "sub_sector": data.get("sub_sector", ""), "title": data.get("title", ""),
        "expected_results": data.get("expected_results", ""), "localities": data.get("localities", ""),
        "maitre_ouvrage": data.get("maitre_ouvrage", ""), "quantity": _decimal(data.get("quantity")),
        "unit": data.get("unit", ""), "unit_cost": _number(data.get("unit_cost")),
        "total_override": _number(data.get("total_override")), "override_reason": data.get("override_reason", ""),
        "tags": list(data.get("tags") or []), "status": data.get("status") or "prevu",
        "cofinancing_scheme": data.get("cofinancing_scheme") or "", "lon": _decimal(data.get("lon")),
        "lat": _decimal(data.get("lat")), "location_precision": data.get("location_precision") or "exacte",
        "funding_lines": [
            {"source_type": ln.get("source_type") or "", "source_name": ln.get("source_name", ""),
             "association_id": str(ln["association_id"]) if ln.get("association_id") else "",
             "association_section": ln.get("association_section", ""), "amount": _number(ln.get("amount")),
             "share_pct": _decimal(ln.get("share_pct")),
             "status": ln.get("status") or "promis", "in_kind": bool(ln.get("in_kind"))}
            for ln in data.get("funding_lines") or []],
    }
    schedule = data.get("schedule") or {}
    for year in sorted(set(plan.years) | {int(y) for y in schedule}):
        out[_schedule_attr(year)] = _number(schedule.get(str(year)))
    return out


def _objective_choices(plan: Plan) -> dict:
    groups: dict = {None: select_choices([], blank="— aucun objectif —")}
    for number, axis in enumerate(plan.axes, start=1):
        if axis.objectives:
            groups[f"Axe {number} : {axis.title}"] = select_choices((o.id, o.title) for o in axis.objectives)
    return groups


def _prepare(form, plan: Plan, associations) -> None:
    form.objective_id.choices = _objective_choices(plan)
    association_choices = select_choices(((a.id, a.name) for a in associations), blank="— association —")
    countries = country_choices("— pays —")
    for entry in form.funding_lines:
        entry.form.association_id.choices = association_choices
        entry.form.new_association_country.choices = countries


def _to_data(form, plan: Plan) -> dict:
    return {
        **{name: getattr(form, name).data for name in
           ("objective_id", "sector", "sub_sector", "title", "expected_results", "localities", "maitre_ouvrage",
            "quantity", "unit", "unit_cost", "total_override", "override_reason", "status", "cofinancing_scheme",
            "lon", "lat", "location_precision")},
        "tags": form.tags.data or [],
        "schedule": {str(y): getattr(form, _schedule_attr(y)).data for y in form.schedule_years},
        "funding_lines": [{name: getattr(entry.form, name).data for name in
                           ("source_type", "source_name", "association_id", "association_section",
                            "new_association_name", "new_association_country", "amount", "share_pct", "status",
                            "in_kind")}
                          for entry in form.funding_lines],
    }


def _attach(form, error: ValidationError) -> dict[str, list[str]]:
    """Each message next to its field; the block-wide ones (schedule, funding lines) returned apart."""
    blocks = {k: v for k, v in error.errors.items() if k in BLOCK_KEYS}
    rest = ValidationError({k: v for k, v in error.errors.items() if k not in BLOCK_KEYS}) \
        if any(k not in BLOCK_KEYS for k in error.errors) else None
    form.form_errors = []
    if rest is not None:
        editors.attach_errors(form, rest)
    return blocks


# ----- Loading ------------------------------------------------------------------------------------------------

def _action_of(plan: Plan, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.plan_id != plan.id:
        abort(404, "Cette action n'existe pas (ou plus) dans ce plan.")
    return action


def _list_url(plan: Plan, action: Action | None = None) -> str:
    url = url_for("planning.section", plan_id=plan.id, section_key=SECTION)
    return url + (f"#action-{action.id}" if action is not None and action.id else "")


# ----- The list -----------------------------------------------------------------------------------------------

def render_list(plan: Plan):
    """The PIP table (GET/HEAD of /plans/<id>/actions); 405 for any other method."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"],
                               description="Les actions s'ajoutent et se modifient une par une : "
                                           "utilisez « Ajouter une action » ou « Modifier ».")
    fin = finance.plan_finance(plan)  # the plan comes loaded with completeness.load_options() (routes.section)
    ordered = list(plan.actions)
    numbers = {a.id: i for i, a in enumerate(ordered, start=1)}
    association_names = {a.id: a.name for a in associations_of(db.session, plan.owner)}
    grouped = request.args.get("vue") == "axes"
    groups = _groups(plan, ordered, fin) if grouped else [SimpleNamespace(title=None, total=None, actions=ordered)]
    return render_template(
        "planning/section_actions.html", plan=plan, check=completeness.check_plan(plan, fin),
        state=sections.state(db.session, plan, SECTION), conflict=None, section=sections.section(SECTION),
        fin=fin, groups=groups, grouped=grouped, numbers=numbers, count=len(ordered),
        association_names=association_names, can_edit=can_edit(plan), sector_labels=SECTORS,
        source_labels=FUNDING_SOURCES, status_labels=ACTION_STATUSES, line_status_labels=FUNDING_STATUSES,
        tag_labels=MIGRATION_TAGS, field_label=finance.field_label, scheme_label=scheme_label,
        tags_of=indicators.migration_tags, funding_states=indicators.FUNDING_STATES,
        commented=review_comments.commented_actions(db.session, plan))


def _groups(plan: Plan, ordered: list[Action], fin) -> list[SimpleNamespace]:
    """Axis › objective groups in the plan's order, then the actions with no objective."""
    axis_totals = {id(t.axis): t.total for t in fin.by_axis if t.axis is not None}
    groups = []
    for number, axis in enumerate(plan.axes, start=1):
        for objective in axis.objectives:
            members = [a for a in ordered if a.objective_id == objective.id]
            if members:
                groups.append(SimpleNamespace(title=f"Axe {number} : {axis.title} › {objective.title}",
                                              axis_total=axis_totals.get(id(axis)), actions=members))
    known = {o.id for axis in plan.axes for o in axis.objectives}
    rest = [a for a in ordered if a.objective_id not in known]
    if rest:
        groups.append(SimpleNamespace(title="Sans objectif", axis_total=None, actions=rest))
    return groups


# ----- The form -----------------------------------------------------------------------------------------------

def _render_form(plan: Plan, form, action: Action | None, status: int = 200, blocks=None, warnings=None,
                 figures=None, conflict=None, can_edit: bool = True, point_withheld: bool = False):
    return render_template(
        "planning/action_form.html", plan=plan, form=form, action=action, blocks=blocks or {},
        warnings=warnings or {}, figures=figures, conflict=conflict, can_edit=can_edit,
        point_withheld=point_withheld,
        check=completeness.check_plan(plan), state=sections.state(db.session, plan, SECTION),
        section=sections.section(SECTION), years=form.schedule_years, out_of_period=form.out_of_period_years,
        schedule_field=lambda y: getattr(form, _schedule_attr(y)),
        diaspora_sources=sorted(DIASPORA_SOURCES), field_label=finance.field_label, sector_labels=SECTORS,
        source_labels=FUNDING_SOURCES, status_labels=ACTION_STATUSES, line_status_labels=FUNDING_STATUSES,
        scheme_label=scheme_label, fcfa=formatting.fcfa), status


def _conflict(plan: Plan, action_id: int) -> dict:
    stored = db.session.get(Action, action_id)
    if stored is None:
        abort(404, "Cette action a été supprimée entre-temps : votre saisie ne peut plus être enregistrée.")
    return {"action": stored, "figures": finance.action_figures(stored, plan.years),
            "association_names": {a.id: a.name for a in associations_of(db.session, plan.owner)}}


def _stored_form(plan: Plan, action: Action, associations):
    """The form filled from the saved action (the 409 screen's « version enregistrée »)."""
    form = _form_class(plan, action)(formdata=None, data=_form_data(plan, actions_service.dump_action(action)))
    form.version.data = str(action.version_id)
    _prepare(form, plan, associations)
    return form


def _conflict_page(plan: Plan, action: Action, mine_form, missing=(), choices=None):
    stored = _stored_form(plan, action, associations_of(db.session, plan.owner))
    labels = {f"schedule-{y}": f"Programmation {y} (FCFA)" + ("" if y in plan.years else ", hors période")
              for y in stored.schedule_years}
    saved_by = ""
    conflict = {"version": action.version_id, "saved_at": action.updated_at, "saved_by": saved_by,
                "comparison": conflicts.compare(mine_form, stored, labels), "missing": list(missing),
                "choices": dict(choices or {})}
    if missing and request.form.get("version") != str(action.version_id):
        conflict["choices"] = {}  # compared with a newer saved action: the choices made no longer stand
    url = url_for("planning.action_edit", plan_id=plan.id, action_id=action.id)
    return render_template("planning/conflict.html", plan=plan, conflict=conflict, action=action,
                           check=completeness.check_plan(plan), state=sections.state(db.session, plan, SECTION),
                           can_edit=True, section=sections.section(SECTION), post_url=url, reload_url=url), 409


def _handle(plan: Plan, action: Action | None):
    """GET shows the form; POST adds a row, spreads the schedule, or saves (create or update)."""
    associations = associations_of(db.session, plan.owner)
    cls = _form_class(plan, action)
    if request.method != "POST":
        if action is not None:
            form = cls(formdata=None, data=_form_data(plan, actions_service.dump_action(action)))
            form.version.data = str(action.version_id)
            figures = finance.action_figures(action, plan.years)
        else:
            form = cls(formdata=None)
            figures = None
        for _ in range(BLANK_LINES if action is None or not action.funding_lines else 1):
            form.funding_lines.append_entry()
        _prepare(form, plan, associations)
        warnings = {}
        if figures is not None:
            for key, message in figures.warnings:
                warnings.setdefault(key, []).append(message)
        # A masked site's point only for those who may see it (a reviewer reads the page, not the point). Those
        # who may not see it never edit the action either, so the empty fields are never posted over the point.
        point_withheld = action is not None and location.is_withheld(
            action.lon, action.lat, action.location_precision,
            access.can_see_masked_location(current_user, plan.owner))
        if point_withheld:
            form.lon.data = form.lat.data = ""
        return _render_form(plan, form, action, figures=figures, warnings=warnings,
                            can_edit=can_edit(plan), point_withheld=point_withheld)

    too_many = row_limits.overflow(request.form)
    if too_many:  # more rows than the form ever offers: refused before WTForms builds them
        abort(413, too_many)
    if conflicts.RESOLVING in request.form and action is not None:  # a post from the 409 screen
        theirs = _stored_form(plan, action, associations)
        merged, missing, choices = conflicts.resolution_formdata(theirs, request.form)
        if missing:  # a difference left without a choice: the screen again
            mine = cls(formdata=conflicts.all_mine_formdata(theirs, request.form))
            _prepare(mine, plan, associations)
            return _conflict_page(plan, action, mine, missing=missing, choices=choices)
        form = cls(formdata=merged)
    else:
        form = cls()
    if request.form.get("add_row") == "funding_lines":  # a row more, nothing saved
        refused = row_limits.room_for_a_row("funding_lines", len(form.funding_lines.entries))
        if refused:
            flash(refused, "warning")
        else:
            form.funding_lines.append_entry()
        _prepare(form, plan, associations)
        return _render_form(plan, form, action)
    if request.form.get("spread"):  # the total spread evenly over the years, nothing saved
        _prepare(form, plan, associations)
        split = actions_service.spread_evenly(db.session, plan, _to_data(form, plan))
        if split:
            for year, amount in split.items():
                getattr(form, _schedule_attr(year)).data = _number(amount)
                getattr(form, _schedule_attr(year)).raw_data = [_number(amount)]
        else:
            flash("Indiquez d'abord la quantité et le coût unitaire (ou le coût total) pour répartir le coût.",
                  "warning")
        return _render_form(plan, form, action)
    _prepare(form, plan, associations)
    if not form.validate():  # CSRF and the like; the rules are checked in plans/
        flash("L'action n'a pas été enregistrée : le formulaire a expiré, rechargez la page.", "error")
        return _render_form(plan, form, action, status=400)
    data = _to_data(form, plan)
    by_id = {a.id: a for a in associations}
    try:
        if action is None:
            saved = actions_service.create_action(db.session, plan, data, current_user, associations=by_id)
        else:
            saved = actions_service.update_action(db.session, plan, action, data, form.version.data, current_user,
                                                  associations=by_id)
        # Read before the commit, which expires every row: after it, each would be loaded again (4 queries).
        figures = finance.action_figures(saved, plan.years)
        title, list_url = saved.title, _list_url(plan, saved)
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        blocks = _attach(form, error)
        flash("L'action n'a pas été enregistrée : corrigez les champs signalés.", "error")
        return _render_form(plan, form, action, status=400, blocks=blocks)
    except (ConflictError, StaleDataError):
        db.session.rollback()
        if action is None:  # only the section's saved state moved (another action saved at that instant)
            flash("Une autre action vient d'être enregistrée : enregistrez à nouveau.", "error")
            return _render_form(plan, form, None, status=409)
        plan = readable_plan(plan.id)
        # The 409 screen: the saved action and the user's, field by field; its form alone carries the new
        # version, with the user's choice for each difference (app/planning/conflicts.py).
        return _conflict_page(plan, _conflict(plan, action.id)["action"], form)
    message = f"Action « {title} » enregistrée."
    if figures.gap:
        label = indicators.FUNDING_STATES[indicators.NOT_COVERED].label
        message += f" {label} : {formatting.fcfa(figures.gap, plain=True)}."
    flash(message, "info")
    for key, m in figures.warnings:
        flash(f"{finance.field_label(key)} : {m}", "warning")
    return redirect(list_url, code=303)


@bp.route("/<int:plan_id>/actions/nouvelle", methods=["GET", "POST"])
@login_required
def action_new(plan_id: int):
    plan = editable_plan(plan_id, completeness.load_options() if request.method != "POST"
                         else actions_service.save_options())
    return _handle(plan, None)


@bp.route("/<int:plan_id>/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def action_edit(plan_id: int, action_id: int):
    # The form page shows the checklist (every action's figures): loaded in a few queries; a save reads little.
    plan = editable_plan(plan_id, actions_service.save_options()) if request.method == "POST" \
        else readable_plan(plan_id, completeness.load_options())
    return _handle(plan, _action_of(plan, action_id))


# ----- Duplicate, move, delete --------------------------------------------------------------------------------

@bp.route("/<int:plan_id>/actions/<int:action_id>/dupliquer", methods=["POST"])
@login_required
def action_duplicate(plan_id: int, action_id: int):
    plan = editable_plan(plan_id)
    action = _action_of(plan, action_id)
    try:
        copy = actions_service.duplicate_action(db.session, plan, action, current_user)
        db.session.commit()
    except ValidationError as error:  # the plan already holds as many actions as allowed
        db.session.rollback()
        flash("La copie n'a pas été faite : " + " ".join(error.messages), "error")
        return redirect(_list_url(plan, action), code=303)
    except (ConflictError, StaleDataError):
        db.session.rollback()
        flash("La copie n'a pas été faite : une autre modification venait d'être enregistrée. Réessayez.", "error")
        return redirect(_list_url(plan, action), code=303)
    flash(f"Action dupliquée : « {copy.title} ». Modifiez la copie si besoin.", "info")
    return redirect(_list_url(plan, copy), code=303)


@bp.route("/<int:plan_id>/actions/<int:action_id>/deplacer", methods=["POST"])
@login_required
def action_move(plan_id: int, action_id: int):
    plan = editable_plan(plan_id)
    action = _action_of(plan, action_id)
    offset = {"haut": -1, "bas": 1}.get(request.form.get("sens", ""))
    if offset is None:
        abort(400, "Indiquez le sens du déplacement (haut ou bas).")
    try:
        moved = actions_service.move_action(db.session, plan, action, offset, current_user)
        db.session.commit()
    except (ConflictError, StaleDataError):
        db.session.rollback()
        flash("L'action n'a pas été déplacée : une autre modification venait d'être enregistrée. Réessayez.",
              "error")
        moved = True
    if not moved:
        flash("L'action est déjà " + ("la première." if offset < 0 else "la dernière."), "info")
    suffix = "?vue=axes" if request.form.get("vue") == "axes" else ""
    return redirect(url_for("planning.section", plan_id=plan.id, section_key=SECTION) + suffix
                    + f"#action-{action.id}", code=303)


@bp.route("/<int:plan_id>/actions/<int:action_id>/supprimer", methods=["GET", "POST"])
@login_required
def action_delete(plan_id: int, action_id: int):
    plan = editable_plan(plan_id)
    action = _action_of(plan, action_id)
    if request.method == "POST":
        title = action.title
        try:
            actions_service.delete_action(db.session, plan, action, current_user)
            db.session.commit()
        except (ConflictError, StaleDataError):
            db.session.rollback()
            flash("L'action n'a pas été supprimée : une autre modification venait d'être enregistrée. Réessayez.",
                  "error")
            return redirect(_list_url(plan), code=303)
        flash(f"Action « {title} » supprimée. L'historique permet de la rétablir.", "info")
        return redirect(_list_url(plan), code=303)
    figures = finance.action_figures(action, plan.years)
    return render_template("planning/action_delete.html", plan=plan, action=action, figures=figures,
                           check=completeness.check_plan(plan), state=sections.state(db.session, plan, SECTION),
                           section=sections.section(SECTION), conflict=None, sector_labels=SECTORS)


# ----- The territory, for the form's location picker (static/js/location_picker.js) -----------------------------

@bp.route("/<int:plan_id>/territoire.geojson")
@login_required
def territory_geojson(plan_id: int):
    """The plan owner's territory as GeoJSON (plans.planning.location.territory_geojson): whoever may read the plan."""
    plan = readable_plan(plan_id)
    response = Response(location.territory_geojson(plan.owner), mimetype="application/geo+json")
    response.headers["Cache-Control"] = "private, no-cache"  # revalidated: 304 while the territory is unchanged
    response.add_etag()
    return response.make_conditional(request)


# The history's restore route finds the section's dump/apply through the editors registry.
editors.register(SECTION, editors.Editor(actions_service, ActionForm, "planning/action_form.html",
                                         lambda form: None))
