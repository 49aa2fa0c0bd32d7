"""« Reprendre les actions du plan précédent »: the page of a draft plan listing the unrealised actions of the plan
it follows, with checkboxes; each ticked action becomes an action of this plan with what is left to pay.

Thin: what is offered, the amounts and the refusals are plans/execution/nextplan.py's. A planner who may not
change the plan, or a plan that is not a draft, gets the page read-only on a get and a 403 on a post; a refused
post (nothing ticked, an action no longer offered, an action the PIP's rules refuse) a 400 with the boxes kept;
a stale page (the plan's actions changed since) a 409 with the list as it is now.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.execution import bp
from app.extensions import db
from app.loaders import readable_plan
from plans.core import formatting
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import EXECUTION_STATUSES, FUNDING_SOURCES, FUNDING_STATUSES, SECTORS
from plans.execution import nextplan
from plans.planning import completeness

FIELD = "actions"


class CarryOverForm(FlaskForm):
    version = HiddenField()


def _render(plan, form, status: int = 200, errors=(), conflict: str = "", ticked=()):
    view = nextplan.carry_over_view(db.session, plan)
    if not form.version.data or conflict:
        form.version.data = str(view.version)
    return render_template(
        "execution/carry_over.html", plan=plan, view=view, form=form, errors=list(errors), conflict=conflict,
        refusal=nextplan.refusal(current_user, plan), ticked=set(ticked), field=FIELD,
        check=completeness.check_plan(plan), section=None, can_edit=True, fcfa=formatting.fcfa,
        percent=lambda x: formatting.percent(x, 2), status_labels=EXECUTION_STATUSES, sector_labels=SECTORS,
        source_labels=FUNDING_SOURCES, line_status_labels=FUNDING_STATUSES, carry_years=nextplan.CARRY_YEARS), status


@bp.route("/<int:plan_id>/reprise-du-plan-precedent", methods=["GET", "POST"])
@login_required
def carry_over(plan_id: int):
    plan = readable_plan(plan_id, completeness.load_options())
    form = CarryOverForm()
    if request.method == "GET":
        return _render(plan, form)
    refusal = nextplan.refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    if not form.validate_on_submit():  # the CSRF token missing or expired
        return _render(plan, form, 400, errors=[e for es in form.errors.values() for e in es],
                       ticked=request.form.getlist(FIELD))
    ticked = request.form.getlist(FIELD)
    try:
        created = nextplan.carry_over(db.session, plan, ticked, form.version.data, current_user,
                                      ip=request.remote_addr or "")
        db.session.commit()
    except PermissionError as error:
        db.session.rollback()
        abort(403, str(error))
    except ValidationError as error:
        db.session.rollback()
        return _render(readable_plan(plan_id, completeness.load_options()), form, 400, errors=error.messages,
                       ticked=ticked)
    except ConflictError as error:
        db.session.rollback()
        return _render(readable_plan(plan_id, completeness.load_options()), form, 409, conflict=str(error),
                       ticked=ticked)
    flash(f"{len(created)} action{'s' if len(created) > 1 else ''} reprise{'s' if len(created) > 1 else ''} du "
          "plan précédent, avec ce qui reste à payer : vérifiez-les dans la section 5.", "info")
    return redirect(url_for("planning.section", plan_id=plan.id, section_key="actions"), code=303)
