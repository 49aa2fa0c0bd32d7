"""Section 8 — Adoption: what the council voted and when the plan went to the tutelle.

The deliberation is typed in one place: with the adoption move on the review page (plans/review/workflow.py,
« Enregistrer l'adoption par le conseil », once the DGCT has validated the plan). This page shows it, says where
to record it, and holds the one form an adopted plan still takes: the transmission to the tutelle
(POST /plans/<id>/transmission, `workflow.record_transmission`: a stale form gets the 409 page, a refused one a 400
with what was typed). The generic route `planning.section` delegates the GET here; a POST to /plans/<id>/adoption
gets a 405 that says where each thing is recorded.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import MethodNotAllowed

from app.extensions import db
from app.loaders import can_edit, readable_plan
from app.planning import bp
from app.planning.editors import attach_errors
from app.planning.forms import TransmissionForm
from plans.core.errors import ConflictError, ValidationError
from plans.planning import completeness, sections
from plans.planning.models import Plan
from plans.review import workflow

SECTION_KEY = "adoption"
NOT_HERE = ("La délibération s'enregistre avec l'adoption du plan validé, sur la page « Revue et statut du plan » ; "
            "la transmission à la tutelle, sur cette page une fois le plan adopté.")


def render(plan: Plan, form: TransmissionForm | None = None, status: int = 200, conflict: str | None = None):
    """The page for GET/HEAD (and a refused transmission); 405 for a post of the old section form."""
    if form is None and request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"], description=NOT_HERE)
    state = sections.state(db.session, plan, SECTION_KEY)
    may_transmit = workflow.can_record_transmission(current_user, plan)
    if form is None and may_transmit:
        form = TransmissionForm(formdata=None, data={"transmission_date": plan.transmission_date,
                                                     "transmission_authority": plan.transmission_authority})
        form.version.data = str(state.version)
    adoption_move = next((m for m in workflow.allowed_moves(current_user, plan) if m.needs_deliberation), None)
    return render_template(
        "planning/section_adoption.html", plan=plan, check=completeness.check_plan(plan), state=state,
        section=sections.section(SECTION_KEY), conflict=conflict, form=form if may_transmit else None,
        can_edit=can_edit(plan) or may_transmit, adoption_move=adoption_move,
        validated_on=workflow.validated_on(db.session, plan)), status


@bp.route("/<int:plan_id>/transmission", methods=["POST"])
@login_required
def transmission(plan_id: int):
    plan = readable_plan(plan_id)
    if not workflow.can_record_transmission(current_user, plan):
        abort(403, "Seuls les planificateurs de la collectivité enregistrent la transmission d'un plan adopté."
              if plan.status.value == "adopte" else
              f"La transmission à la tutelle s'enregistre une fois le plan adopté ; ce plan est "
              f"« {plan.status.label} ».")
    form = TransmissionForm()
    if not form.validate_on_submit():
        flash("La transmission n'a pas été enregistrée : corrigez les champs signalés.", "error")
        return render(plan, form, 400)
    data = {"transmission_date": form.transmission_date.data,
            "transmission_authority": form.transmission_authority.data or ""}
    try:
        changed = workflow.record_transmission(db.session, plan, current_user, data, form.version.data,
                                               ip=request.remote_addr or "")
        db.session.commit()
    except ConflictError:
        db.session.rollback()
        plan = readable_plan(plan_id)
        form.version.data = str(sections.current_version(db.session, plan, SECTION_KEY))  # sent again: it is saved
        return render(plan, form, 409,
                      conflict="La section « Adoption » a été enregistrée entre-temps par quelqu'un d'autre : "
                               "vérifiez ce qu'elle contient maintenant avant d'enregistrer à nouveau votre saisie, "
                               "conservée ci-dessous.")
    except ValidationError as error:
        db.session.rollback()
        attach_errors(form, error)
        flash("La transmission n'a pas été enregistrée : corrigez les champs signalés.", "error")
        return render(readable_plan(plan_id), form, 400)
    flash("Transmission à la tutelle enregistrée." if changed else "Transmission inchangée.", "info")
    return redirect(url_for("planning.section", plan_id=plan.id, section_key=SECTION_KEY), code=303)
