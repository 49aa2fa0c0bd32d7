"""The plan builder: list, creation, overview with the checklist, one page per section, history."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.choices import select_choices
from app.extensions import db
from app.loaders import can_edit, editable_plan, readable_plan
from app.planning import actions, adoption, bp, conflicts, editors, financement, period_choice, row_limits
from app.planning.forms import NewPlanForm
from plans.accounts import access
from plans.accounts.models import Role
from plans.core import limits
from plans.core.errors import ConflictError, ValidationError
from plans.execution import nextplan
from plans.planning import completeness, period, sections, succession
from plans.planning import service as plan_service
from plans.planning.models import PlanChange
from plans.review import deletion

PREFILLED = ("Le bilan du plan précédent « {title} » a été repris de son exécution (section 1, modifiable) ; "
             "ses actions non réalisées peuvent être reprises : « Reprendre les actions du plan précédent ».")


@bp.route("/")
@login_required
def index():
    return render_template("planning/index.html", plans=plan_service.visible_plans(db.session, current_user))


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    if current_user.role is not Role.PLANNER:
        abort(403, "Seuls les planificateurs créent des plans.")
    form = NewPlanForm()
    form.owner_id.choices = select_choices((o.id, f"{o.name} ({o.kind_label})") for o in current_user.owners)
    if not form.owner_id.choices:
        flash("Votre compte n'est rattaché à aucune collectivité : demandez-le à un administrateur.", "warning")
    if request.method == "GET" and form.period_start.data is None:
        form.period_start.data = date.today().year + 1
    if form.validate_on_submit():
        owner = next((o for o in current_user.owners if o.id == form.owner_id.data), None)
        try:
            plan = plan_service.create_plan(
                db.session, owner=owner, title=form.title.data, period_start=form.period_start.data,
                period_end=form.period_start.data + form.years.data - 1, guide_version=form.guide_version.data,
                user=current_user)
            previous = nextplan.prefill(db.session, plan, current_user)
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            editors.attach_errors(form, error, aliases={"period_end": "years", "owner": "owner_id"})
            return render_template("planning/new.html", form=form), 400
        flash("Plan créé. Remplissez les sections dans l'ordre qui vous convient.", "info")
        if previous is not None:
            flash(PREFILLED.format(title=previous.title), "info")
        return redirect(url_for("planning.overview", plan_id=plan.id))
    status = 400 if request.method == "POST" else 200
    return render_template("planning/new.html", form=form), status


@bp.route("/<int:plan_id>")
@login_required
def overview(plan_id: int):
    plan = readable_plan(plan_id, completeness.load_options())
    may_delete = deletion.may_delete(current_user, plan) and deletion.refusal(db.session, plan) is None
    # its owner on an older edition of the boundaries: who may move it is offered the page that does
    older_edition = (access.can_move_owner(current_user, plan.owner)
                     and succession.succession(db.session, plan.owner).needed)
    return render_template("planning/overview.html", plan=plan, check=completeness.check_plan(plan),
                           last=sections.last_saved(db.session, plan), can_edit=can_edit(plan), may_delete=may_delete,
                           older_edition=older_edition)


@bp.route("/<int:plan_id>/<section_key>", methods=["GET", "POST"])
@login_required
def section(plan_id: int, section_key: str):
    if section_key not in sections.SECTIONS_BY_KEY:
        abort(404, "Cette section n'existe pas.")
    editor = editors.EDITORS.get(section_key)
    # A page shows the checklist: everything loaded in a few queries. A save reads little, and the checklist only
    # when its form comes back with errors: loaded as it is used.
    plan = editable_plan(plan_id) if request.method == "POST" else readable_plan(plan_id, completeness.load_options())
    if section_key == "financement":  # computed from the actions: GET only, 405 on POST
        return financement.render(plan)
    if section_key == "actions":  # edited one action at a time (app/planning/actions.py): the list, GET only
        return actions.render_list(plan)
    if section_key == adoption.SECTION_KEY:  # recorded with the adoption, then the transmission: GET only
        return adoption.render(plan)
    if editor is None:
        if request.method == "POST":
            abort(405, "Cette section ne se saisit pas encore.")
        return render_template("planning/section_pending.html", plan=plan, check=completeness.check_plan(plan),
                               section=sections.section(section_key), conflict=None,
                               state=sections.state(db.session, plan, section_key))
    if request.method == "POST" and row_limits.overflow(request.form):  # refused before WTForms builds the rows
        abort(413, row_limits.overflow(request.form))
    state = sections.state(db.session, plan, section_key)
    conflict = None
    question = None  # section 1: what to do with amounts a new period leaves outside (app/planning/period_choice.py)
    status = 200
    if request.method == "POST" and conflicts.RESOLVING in request.form:  # a post from the 409 screen
        form, conflict = editors.resolution_form(db.session, plan, section_key, editor)
        if conflict is not None:  # a difference left without a choice: the screen again
            return _conflict_page(plan, section_key, conflict)
    else:
        form = editor.make_form(plan, state.version, submitted=request.method == "POST")
    if request.method == "POST":
        if form.validate_on_submit():
            data = editor.to_data(form)
            apply = lambda: editor.module.apply(db.session, plan, data)  # noqa: E731
            if section_key == period_choice.SECTION:
                decision = period_choice.decide(plan, form, data)
                question, status = decision.question, decision.status
                apply = lambda: period.apply_identification(db.session, plan, data, decision.change,  # noqa: E731
                                                            current_user)
            if question is None:  # else asked (or refused): nothing saved, the form comes back as typed
                try:
                    change = sections.save_section(db.session, plan, section_key, form.version.data, current_user,
                                                   apply=apply, snapshot=lambda: editor.module.dump(plan))
                    saved_at = change.at  # the section's new saved_at; read before the commit expires it
                    db.session.commit()
                except ValidationError as error:
                    db.session.rollback()
                    editors.attach_errors(form, error)
                    status = 400
                except ConflictError:
                    db.session.rollback()
                    plan = readable_plan(plan_id)
                    # The 409 screen: the saved version and the user's, field by field; its form alone carries the
                    # new version, with the user's choice for each difference (app/planning/conflicts.py).
                    return _conflict_page(plan, section_key, editors.conflict_view(db.session, plan, section_key,
                                                                                   editor, form))
                else:
                    flash(f"Enregistré à {saved_at:%H:%M}.", "info")
                    return redirect(url_for("planning.section", plan_id=plan_id, section_key=section_key))
        else:
            status = 400
    if status == 400 and not conflict and question is None:
        flash("La section n'a pas été enregistrée : corrigez les champs signalés.", "error")
    return render_template(editor.template, plan=plan, form=form, editor=editor, conflict=conflict,
                           period_question=question,
                           check=completeness.check_plan(plan), state=sections.state(db.session, plan, section_key),
                           can_edit=can_edit(plan), section=sections.section(section_key)), status


def _conflict_page(plan, section_key: str, conflict: dict):
    return render_template("planning/conflict.html", plan=plan, conflict=conflict, action=None,
                           check=completeness.check_plan(plan), state=sections.state(db.session, plan, section_key),
                           can_edit=can_edit(plan), section=sections.section(section_key),
                           post_url=url_for("planning.section", plan_id=plan.id, section_key=section_key),
                           reload_url=url_for("planning.section", plan_id=plan.id, section_key=section_key)), 409


@bp.route("/<int:plan_id>/historique")
@login_required
def history(plan_id: int):
    plan = readable_plan(plan_id)
    changes = sections.history(db.session, plan, limit=200)
    return render_template("planning/history.html", plan=plan, changes=changes, can_edit=can_edit(plan),
                           kept=limits.HISTORY_RESTORABLE,
                           current=sections.current_changes(plan, changes), restorable_sections=set(editors.EDITORS),
                           titles={s.key: s.title for s in sections.SECTIONS})


@bp.route("/<int:plan_id>/historique/<int:change_id>/restaurer", methods=["POST"])
@login_required
def restore(plan_id: int, change_id: int):
    plan = editable_plan(plan_id)
    change = db.session.get(PlanChange, change_id)
    if change is None or change.plan_id != plan.id:
        abort(404, "Cette version n'existe pas.")
    editor = editors.EDITORS.get(change.section)
    if editor is None:
        abort(400, "Cette version ne peut pas être restaurée.")
    if not change.restorable:
        flash(f"Cette version est trop ancienne pour être restaurée : l'historique garde la copie des "
              f"{limits.HISTORY_RESTORABLE} derniers enregistrements de chaque section et de chaque action.", "error")
        return redirect(url_for("planning.history", plan_id=plan.id), code=303)
    current = sections.current_version(db.session, plan, change.section)
    try:
        sections.save_section(
            db.session, plan, change.section, current, current_user,
            apply=lambda: f"Restauration de la version du {change.at:%d/%m/%Y à %H:%M} — "
                          + editor.module.apply(db.session, plan, editor.module.restore_data(change.snapshot)
                                                if hasattr(editor.module, "restore_data") else change.snapshot),
            snapshot=lambda: editor.module.dump(plan))
        db.session.commit()
    except (ValidationError, ConflictError) as error:
        db.session.rollback()
        flash(f"La restauration a échoué : {error}", "error")
        return redirect(url_for("planning.history", plan_id=plan.id), code=303)
    flash(f"Section « {sections.section(change.section).title} » restaurée.", "info")
    return redirect(url_for("planning.section", plan_id=plan.id, section_key=change.section))
