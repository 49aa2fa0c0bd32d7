"""Deleting a draft plan (/plans/<id>/supprimer): a confirmation page (GET) that says what will be deleted, and its
form (POST). The rules — who, which plan, what goes with it — are in plans/review/deletion.py."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import can_edit, readable_plan
from app.planning import bp
from app.planning.forms import DeletePlanForm
from plans.core.errors import ConflictError, ValidationError
from plans.planning import completeness
from plans.planning.models import Plan
from plans.review import deletion


def _page(plan: Plan, status: int = 200, *, conflict: str | None = None):
    summary = deletion.summary(db.session, plan)
    form = DeletePlanForm(formdata=None, seen_actions=summary.actions, seen_total=summary.total)
    return render_template("planning/delete.html", plan=plan, summary=summary, form=form, conflict=conflict,
                           refusal=deletion.refusal(db.session, plan), check=completeness.check_plan(plan),
                           can_edit=can_edit(plan)), status


def _plan_for_deletion(plan_id: int) -> Plan:
    plan = readable_plan(plan_id)
    if not deletion.may_delete(current_user, plan):
        abort(403, deletion.NOT_YOURS)
    return plan


@bp.route("/<int:plan_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete(plan_id: int):
    plan = _plan_for_deletion(plan_id)
    if request.method == "GET":
        return _page(plan)
    form = DeletePlanForm()
    seen = form.seen() if form.validate_on_submit() else None
    if seen is None:
        return _page(plan, 400, conflict="La confirmation est incomplète : vérifiez ce qui sera supprimé, puis "
                                         "confirmez à nouveau.")
    try:
        deleted = deletion.delete_plan(db.session, plan, current_user, seen_actions=seen[0], seen_total=seen[1],
                                       ip=request.remote_addr or "")
        db.session.commit()
    except PermissionError as error:
        db.session.rollback()
        abort(403, str(error))
    except ValidationError:  # never submitted no more: the page says why
        db.session.rollback()
        return _page(readable_plan(plan_id), 409)
    except ConflictError as error:
        db.session.rollback()
        return _page(readable_plan(plan_id), 409, conflict=str(error))
    flash(f"Plan « {deleted.title} » supprimé, avec ses {deleted.actions} action"
          f"{'s' if deleted.actions > 1 else ''} : la suppression est inscrite au journal.", "info")
    return redirect(url_for("planning.index"), code=303)
